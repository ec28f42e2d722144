import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventContext } from '../../../../agent/events/context.js';
import { NetnsView } from '../../../../agent/events/netns-view.js';
import { ProcessWiring } from '../../../../agent/events/process-wiring.js';
import type { ProcessInfo, SocketInfo } from '../../../../collectors/model.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { proc, sock } from './fixtures.js';

function setup(processes: ProcessInfo[], sockets: SocketInfo[]) {
  const events: VigilEvent[] = [];
  const netns = new NetnsView(() => true);
  const ctx: EventContext = {
    hostname: 'node-1',
    procRoot: '/nonexistent',
    now: () => 1_000,
    process: (pid) => processes.find((p) => p.pid === pid),
    container: () => undefined,
    containerOfNetns: (n) => netns.containerOfNetns(n),
    socketByInode: (inode) => sockets.find((s) => s.inode === inode),
    socketsInNetns: (n) => netns.socketsInNetns(n),
  };
  const scanNow = vi.fn();
  const wiring = new ProcessWiring({ ctx, netns, emit: (e) => events.push(e), scanNow, pendingInspectionMs: 3_000 });
  const refresh = () => netns.refresh(sockets, processes, true);
  return { events, wiring, scanNow, refresh, types: () => events.map((e) => `${e.type}:${e.proc?.name}`) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ProcessWiring (execve, procexit, dup)', () => {
  it('processes of the first scan are the baseline: no execve (they ran before the agent), but procexit when they go', () => {
    const sleeper = proc({ pid: 5, comm: 'sleep', exe: '/bin/sleep' });
    const t = setup([sleeper], []);
    t.wiring.seen(sleeper, false);
    t.wiring.scanDone(() => sleeper);
    expect(t.types()).toEqual([]);
    t.wiring.gone(sleeper);
    expect(t.types()).toEqual(['procexit:sleep']);
  });

  it('an exec event or a later scan raises execve once per program image, and procexit when it goes', () => {
    const a = proc({ pid: 6, comm: 'curl', exe: '/usr/bin/curl' });
    const t = setup([a], []);
    t.wiring.scanDone(() => undefined);
    t.wiring.seen(a, true);
    t.wiring.seen(a, false); // the scan sees it again: same image
    t.wiring.gone(a);
    t.wiring.gone(a);
    expect(t.types()).toEqual(['execve:curl', 'procexit:curl']);
  });

  it('an exec in place (same pid and start, new image) is a new execve; a partial read without exe is not', () => {
    const nc = proc({ pid: 7, comm: 'nc', exe: '/bin/busybox' });
    const sh = proc({ pid: 7, comm: 'sh', exe: '/bin/busybox' });
    const t = setup([nc], []);
    t.wiring.seen(nc, true);
    t.wiring.seen({ ...nc, exe: '' }, false);
    t.wiring.seen(sh, true);
    expect(t.types()).toEqual(['execve:nc', 'execve:sh']);
  });

  it('a fresh shell whose socket is not in the table yet asks for a scan and is re-checked until found', () => {
    vi.useFakeTimers();
    const stdio = [{ kind: 'socket', inode: 77 }, { kind: 'socket', inode: 77 }, { kind: 'none' }] as const;
    const sh = proc({ pid: 8, comm: 'bash', exe: '/bin/bash', stdio });
    const sockets: SocketInfo[] = [];
    const t = setup([sh], sockets);
    t.wiring.seen(sh, true);
    expect(t.types()).toEqual(['execve:bash']);
    vi.runAllTimers();
    expect(t.scanNow).toHaveBeenCalledTimes(1);
    sockets.push(sock({ inode: 77, pids: [8] }));
    t.refresh();
    t.wiring.scanDone((pid) => (pid === 8 ? sh : undefined));
    expect(t.types()).toEqual(['execve:bash', 'dup:bash']);
    t.wiring.scanDone((pid) => (pid === 8 ? sh : undefined));
    expect(t.types()).toHaveLength(2); // once per (process, socket)
  });

  it('a changed process with a socket on its stdio raises dup; one without a network-capable fd is not read', () => {
    const s = sock({ inode: 9, pids: [10] });
    const sh = proc({ pid: 10, stdio: [{ kind: 'socket', inode: 9 }, { kind: 'socket', inode: 9 }, { kind: 'none' }] });
    const quiet = proc({ pid: 11, stdio: [{ kind: 'file', path: '/dev/null' }, { kind: 'file', path: '/dev/null' }, { kind: 'none' }] });
    const t = setup([sh, quiet], [s]);
    t.refresh();
    t.wiring.changed(quiet);
    t.wiring.changed(sh);
    expect(t.events.map((e) => [e.type, e.rawres])).toEqual([['dup', 1]]);
  });
});
