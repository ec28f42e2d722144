import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditedConnections, wireEvents, type AuditSourceLike, type ExecEventLike, type HostScannerLike, type ScanResult } from '../../../../agent/events/index.js';
import { EXEC_GRACE_MS, PROCESS_WAIT_MS } from '../../../../agent/events/audit-wiring.js';
import type { AuditSyscall } from '../../../../collectors/audit/types.js';
import type { ProcessInfo, SocketInfo } from '../../../../collectors/model.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { recordingErrors } from '../../../helpers/deps.js';
import { proc, sock } from './fixtures.js';

const CFG = { hostname: 'node-1', procRoot: '/nonexistent', pendingInspectionMs: 1_000, enrichmentWaitMs: 1_000, fsPredictWindowMs: 60_000 };

function sys(over: Partial<AuditSyscall> & { syscall: string }): AuditSyscall {
  return { serial: 1, timeMs: 5, syscallNr: 0, exit: 0, args: ['0', '0', '0', '0'], pid: 700, ppid: 600, uid: 0, euid: 0, gid: 0, egid: 0, comm: 'wget', paths: [], ...over };
}

/** A scanner, an exec watcher and an audit source driven by hand. */
function harness() {
  const processes = new Map<number, ProcessInfo>();
  let onScan: (r: ScanResult) => void = () => {};
  let onExec: (e: ExecEventLike) => void = () => {};
  let onAudit: (s: AuditSyscall) => void = () => {};
  const scanner: HostScannerLike = {
    onScan: (l) => {
      onScan = l;
      return () => {};
    },
    scanNow: () => {},
    processes: { get: (pid) => processes.get(pid), upsert: (p) => processes.set(p.pid, p), list: () => processes.values() },
    sockets: { list: () => [], byInode: () => undefined },
  };
  const audit: AuditSourceLike = {
    onEvent: (l) => {
      onAudit = l;
      return () => {
        onAudit = () => {};
      };
    },
  };
  const exec = {
    onEvent: (l: (e: ExecEventLike) => void) => {
      onExec = l;
      return () => {};
    },
  };
  const events: VigilEvent[] = [];
  const connections = new AuditedConnections();
  const errors = recordingErrors();
  const unwire = wireEvents({ scanner, exec, audit }, (e) => events.push(e), errors, { ...CFG, auditedConnections: connections });
  const scan = (added: ProcessInfo[], addedSockets: SocketInfo[] = []) => {
    for (const p of added) processes.set(p.pid, p);
    onScan({ processes: { added, removed: [], changed: [] }, sockets: { added: addedSockets, removed: [] } });
  };
  return { events, errors, unwire, scan, connections, audit: (s: AuditSyscall) => onAudit(s), exec: (e: ExecEventLike) => onExec(e) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('wireEvents with the audit source', () => {
  it('a one-off connect from a process gone before any scan: an event with its parent shell, its container, its netns', () => {
    const h = harness();
    const sh = proc({ pid: 600, comm: 'sh', containerId: 'pod-c', netns: 4242 });
    h.scan([sh]);
    h.audit(sys({ syscall: 'socket', exit: 3, args: ['2', '1', '0', '0'] }));
    h.audit(sys({ syscall: 'connect', exit: 0, args: ['3', '1', '10', '0'], sockaddr: { family: 'inet', addr: '10.0.0.9', port: 8080 } }));
    const c = h.events.filter((e) => e.type === 'connect');
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({
      proc: { pid: 700, name: 'wget', ancestors: [{ pid: 600, name: 'sh' }] },
      container: { id: 'pod-c' },
      fd: { sip: '10.0.0.9', sport: 8080, l4proto: 'tcp', netns: 4242 },
    });
    // The socket syscall is an event too (Falco's rules on socket(AF_PACKET...)).
    expect(h.events.filter((e) => e.type === 'socket')).toHaveLength(1);
    expect(h.connections.drainOpens(4242)).toEqual([{ ip: '10.0.0.9', port: 8080, atMs: 5 }]);
    // The next scan finds the (longer-lived) socket: not a second connect event.
    h.scan([], [sock({ inode: 9, pids: [700], remoteAddr: '10.0.0.9', remotePort: 8080, netns: 4242 })]);
    expect(h.events.filter((e) => e.type === 'connect')).toHaveLength(1);
    // A socket the audit source did not report still is.
    h.scan([], [sock({ inode: 10, pids: [600], remoteAddr: '10.0.0.8', remotePort: 22, netns: 4242 })]);
    expect(h.events.filter((e) => e.type === 'connect')).toHaveLength(2);
    expect(h.errors.calls).toEqual([]);
  });

  it('an audited execve is emitted only when the exec watcher did not report that exec', () => {
    vi.useFakeTimers();
    const h = harness();
    const nc = proc({ pid: 701, comm: 'nc', exe: '/usr/bin/nc' });
    h.exec({ kind: 'exec', pid: 701, timeMs: 1, process: nc });
    h.audit(sys({ syscall: 'execve', pid: 701, comm: 'nc', exe: '/usr/bin/nc', argv: ['nc', '-l'] }));
    // Too short-lived for the watcher: only the audit record knows it.
    h.audit(sys({ syscall: 'execve', pid: 702, comm: 'wget', exe: '/bin/busybox', argv: ['wget', 'http://x/'] }));
    expect(h.events.filter((e) => e.type === 'execve').map((e) => e.proc?.name)).toEqual(['nc']);
    vi.advanceTimersByTime(EXEC_GRACE_MS + 1);
    expect(h.events.filter((e) => e.type === 'execve').map((e) => [e.proc?.name, e.proc?.args])).toEqual([
      ['nc', []],
      ['wget', ['http://x/']],
    ]);
    h.unwire();
  });

  it('a bad record is counted under events/audit, never thrown into the source, also after waiting', () => {
    vi.useFakeTimers();
    const h = harness();
    h.scan([proc({ pid: 600, comm: 'sh' })]);
    h.audit({ ...sys({ syscall: 'openat' }), paths: null as never });
    h.audit({ ...sys({ syscall: 'openat', pid: 900, ppid: 800 }), paths: null as never });
    expect(h.errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['events/audit']);
    vi.advanceTimersByTime(PROCESS_WAIT_MS + 100);
    expect(h.errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['events/audit', 'events/audit']);
    h.unwire();
  });

  it('a record of a process the table does not know yet waits for the exec watcher, then has its container', () => {
    vi.useFakeTimers();
    const h = harness();
    const connect = sys({ syscall: 'connect', pid: 901, ppid: 900, args: ['3', '1', '10', '0'], sockaddr: { family: 'inet', addr: '10.0.0.9', port: 80 } });
    h.audit(connect);
    h.audit({ ...connect, serial: 2, sockaddr: { family: 'inet', addr: '10.0.0.9', port: 81 } });
    expect(h.events).toEqual([]);
    h.exec({ kind: 'exec', pid: 900, timeMs: 1, process: proc({ pid: 900, comm: 'sh', containerId: 'late-pod', netns: 77 }) });
    vi.advanceTimersByTime(60);
    // In order, with the parent's container.
    expect(h.events.filter((e) => e.type === 'connect').map((e) => [e.container?.id, e.fd?.sport])).toEqual([
      ['late-pod', 80],
      ['late-pod', 81],
    ]);
    // Nobody ever reports the process: it goes out anyway, from the record alone.
    h.audit({ ...connect, pid: 950, ppid: 949 });
    vi.advanceTimersByTime(PROCESS_WAIT_MS + 60);
    expect(h.events.filter((e) => e.type === 'connect' && e.proc?.pid === 950)).toHaveLength(1);
    h.unwire();
  });
});
