import { symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProcessInfo } from '../../../../collectors/model.js';
import { createExecWatcherWith } from '../../../../collectors/exec/watcher.js';
import { ExecError } from '../../../../collectors/exec/errors.js';
import type { ProcConnectorHandlers } from '../../../../collectors/exec/netlink-source.js';
import type { ExecEvent, ExecWatcherConfig } from '../../../../collectors/exec/types.js';
import { FixtureProc, proc, testDeps } from './helpers.js';

const CID = 'a'.repeat(64);

function config(root: string, over: Partial<ExecWatcherConfig> = {}): ExecWatcherConfig {
  return Object.freeze({
    procRoot: root,
    passwdPath: '/nonexistent',
    maxCmdlineBytes: 4096,
    mode: 'poll',
    pollIntervalMs: 5,
    reinspectDelaysMs: [],
    ...over,
  });
}

class FakeReader {
  readonly procs = new Map<number, ProcessInfo>();
  read(pid: number): ProcessInfo | undefined {
    return this.procs.get(pid);
  }
}

const noNetlink = async (): Promise<never> => {
  throw new ExecError('VIGIL_ERR_EXEC_NETLINK_UNAVAILABLE', 'test: no netlink');
};

describe('exec watcher, poll mode on a fixture /proc', () => {
  let fx: FixtureProc;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    fx.dispose();
  });

  async function startPoll(reader: FakeReader, over: Partial<ExecWatcherConfig> = {}) {
    const deps = testDeps();
    const w = createExecWatcherWith(deps, config(fx.root, over), reader, noNetlink);
    const events: ExecEvent[] = [];
    w.onEvent((e) => events.push(e));
    await w.start(new AbortController().signal);
    stop = () => w.stop();
    return { w, events, deps };
  }

  it('is silent about processes present at start, then reports new and vanished pids', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    for (const pid of [1, 2, 3]) {
      fx.add(pid);
      reader.procs.set(pid, proc(pid));
    }
    const { w, events, deps } = await startPoll(reader);
    expect(w.mode).toBe('poll');

    reader.procs.set(100, proc(100, { args: ['sleep', '0.3'] }));
    fx.add(100, ['sleep', '0.3']);
    fx.remove(2);
    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(2));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'exec', pid: 100, process: expect.objectContaining({ args: ['sleep', '0.3'] }) }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'exit', pid: 2 }));
    expect(events.some((e) => e.pid === 1 || e.pid === 3)).toBe(false);

    const text = await deps.registry.metrics();
    expect(text).toContain('vigil_exec_source_info{mode="poll"} 1');
    expect(text).toContain('vigil_exec_events_total{kind="exec"} 1');
    expect(text).toContain('vigil_exec_events_total{kind="exit"} 1');
  });

  it('reports a pid gone before it could be read as a partial exec, with args and container from the early read', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader(); // knows nothing: every read is "gone"
    const { events, deps } = await startPoll(reader);
    fx.add(200, ['sh', '-c', 'exit 0'], `12:pids:/docker/${CID}\n`);
    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(1));
    const e = events[0]!;
    expect(e.kind).toBe('exec');
    if (e.kind !== 'exec') return;
    expect(e.process).toMatchObject({ pid: 200, partial: true, args: ['sh', '-c', 'exit 0'], containerId: CID });
    expect(await deps.registry.metrics()).toContain('vigil_exec_partial_total 1');
  });

  it('fills args of a partial read from the early read', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    reader.procs.set(201, proc(201, { args: [], partial: true }));
    const { events } = await startPoll(reader);
    fx.add(201, ['python3', '-c', 'pass']);
    await vi.waitFor(() => expect(events.length).toBeGreaterThanOrEqual(1));
    expect(events[0]).toMatchObject({ kind: 'exec', process: { pid: 201, partial: true, args: ['python3', '-c', 'pass'] } });
  });

  it('re-reads a newcomer whose exe changed by the next poll (seen between fork and exec)', async () => {
    vi.useFakeTimers();
    try {
      fx = new FixtureProc();
      const reader = new FakeReader();
      const { events } = await startPoll(reader, { pollIntervalMs: 100 });
      reader.procs.set(300, proc(300, { exe: '/usr/bin/node', comm: 'node', args: ['node'] }));
      fx.add(300);
      symlinkSync('/usr/bin/node', join(fx.root, '300', 'exe'));
      vi.advanceTimersByTime(100);
      expect(events.map((e) => e.kind)).toEqual(['exec']);
      reader.procs.set(300, proc(300, { exe: '/usr/bin/sleep' }));
      unlinkSync(join(fx.root, '300', 'exe'));
      symlinkSync('/usr/bin/sleep', join(fx.root, '300', 'exe'));
      vi.advanceTimersByTime(100);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({ kind: 'exec', pid: 300, process: { exe: '/usr/bin/sleep' } });
      // Only once: a later change is not looked for.
      vi.advanceTimersByTime(100);
      expect(events).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stop is idempotent and safe before start', async () => {
    fx = new FixtureProc();
    const w = createExecWatcherWith(testDeps(), config(fx.root), new FakeReader(), noNetlink);
    await w.stop();
    await w.stop();
    await w.start(new AbortController().signal); // stopped: does nothing
    expect(w.mode).toBe('poll');
  });

  it("in 'auto' mode falls back to poll and logs why", async () => {
    fx = new FixtureProc();
    const deps = testDeps();
    const warn = vi.fn();
    const log = { ...deps.log, child: () => ({ info: vi.fn(), warn, error: vi.fn() }) } as unknown as typeof deps.log;
    const w = createExecWatcherWith({ ...deps, log }, config(fx.root, { mode: 'auto' }), new FakeReader(), noNetlink);
    await w.start(new AbortController().signal);
    stop = () => w.stop();
    expect(w.mode).toBe('poll');
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ mode: 'poll', reason: 'test: no netlink' }), expect.stringContaining('test: no netlink'));
  });

  it("in 'netlink' mode fails to start when netlink is unavailable", async () => {
    fx = new FixtureProc();
    const w = createExecWatcherWith(testDeps(), config(fx.root, { mode: 'netlink' }), new FakeReader(), noNetlink);
    await expect(w.start(new AbortController().signal)).rejects.toMatchObject({ code: 'VIGIL_ERR_EXEC_NETLINK_UNAVAILABLE' });
  });
});

describe('exec watcher, netlink mode with a fed kernel source', () => {
  let fx: FixtureProc;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    fx.dispose();
  });

  async function startNetlink(reader: FakeReader, over: Partial<ExecWatcherConfig> = {}) {
    let h: ProcConnectorHandlers | undefined;
    const closed = vi.fn(async () => undefined);
    const deps = testDeps();
    const w = createExecWatcherWith(deps, config(fx.root, { mode: 'netlink', ...over }), reader, async (handlers) => {
      h = handlers;
      return { close: closed };
    });
    const events: ExecEvent[] = [];
    w.onEvent((e) => events.push(e));
    await w.start(new AbortController().signal);
    stop = () => w.stop();
    return { w, events, h: h!, closed, deps };
  }

  it('reports leader forks, execs and exits; ignores threads', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    reader.procs.set(50, proc(50, { ppid: 10 }));
    const { w, events, h, deps } = await startNetlink(reader);
    expect(w.mode).toBe('netlink');
    const ts = process.hrtime.bigint();
    h.onEvent({ what: 'fork', timestampNs: ts, parentPid: 10, parentTgid: 10, childPid: 11, childTgid: 10 }); // thread
    h.onEvent({ what: 'fork', timestampNs: ts, parentPid: 12, parentTgid: 10, childPid: 50, childTgid: 50 });
    h.onEvent({ what: 'exec', timestampNs: ts, pid: 50, tgid: 50 });
    h.onEvent({ what: 'exit', timestampNs: ts, pid: 51, tgid: 50, exitStatus: 0, exitSignal: -1, parentPid: 10, parentTgid: 10 }); // thread
    h.onEvent({ what: 'exit', timestampNs: ts, pid: 50, tgid: 50, exitStatus: 2 << 8, exitSignal: 17, parentPid: 10, parentTgid: 10 });
    h.onEvent({ what: 'exit', timestampNs: ts, pid: 60, tgid: 60, exitStatus: 9, exitSignal: 17, parentPid: 1, parentTgid: 1 });
    expect(events.map((e) => `${e.kind}:${e.pid}`)).toEqual(['fork:50', 'exec:50', 'exit:50', 'exit:60']);
    expect(events[0]).toMatchObject({ ppid: 10 });
    expect(events[2]).toMatchObject({ exitCode: 2 });
    expect(events[3]).toMatchObject({ exitCode: 137, signal: 9 });
    // Kernel time maps to wall-clock time.
    expect(Math.abs(events[1]!.timeMs - Date.now())).toBeLessThan(60_000);
    expect(await deps.registry.metrics()).toContain('vigil_exec_source_info{mode="netlink"} 1');
  });

  it('closes the kernel source on stop, once', async () => {
    fx = new FixtureProc();
    const { w, closed } = await startNetlink(new FakeReader());
    await w.stop();
    await w.stop();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('reports an exec whose process is already gone as partial, with the parent from its fork', async () => {
    fx = new FixtureProc();
    const { events, h } = await startNetlink(new FakeReader());
    const ts = process.hrtime.bigint();
    h.onEvent({ what: 'fork', timestampNs: ts, parentPid: 7, parentTgid: 7, childPid: 70, childTgid: 70 });
    h.onEvent({ what: 'exec', timestampNs: ts, pid: 70, tgid: 70 });
    expect(events[1]).toMatchObject({ kind: 'exec', pid: 70, process: { pid: 70, ppid: 7, partial: true } });
  });

  it('counts an overrun and catches up from /proc', async () => {
    fx = new FixtureProc();
    fx.add(1);
    const reader = new FakeReader();
    reader.procs.set(400, proc(400));
    const { events, h, deps } = await startNetlink(reader);
    fx.add(400);
    h.onOverrun();
    await vi.waitFor(() => expect(events).toContainEqual(expect.objectContaining({ kind: 'exec', pid: 400 })));
    expect(await deps.registry.metrics()).toContain('vigil_exec_events_lost_total 1');
  });

  it('falls back to polling when the socket fails, and closes it on stop', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    reader.procs.set(500, proc(500));
    const { w, events, h, deps, closed } = await startNetlink(reader);
    h.onFatal(new ExecError('VIGIL_ERR_EXEC_NETLINK_SOCKET', 'test: socket died'));
    expect(w.mode).toBe('poll');
    expect(closed).toHaveBeenCalledTimes(1);
    fx.add(500);
    await vi.waitFor(() => expect(events).toContainEqual(expect.objectContaining({ kind: 'exec', pid: 500 })));
    expect(deps.reported.map((r) => r.stage)).toContain('netlink');
    expect(await deps.registry.metrics()).toContain('vigil_exec_source_info{mode="poll"} 1');
  });

  it('re-inspects a new shell and reports it when its stdio changed', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    reader.procs.set(600, proc(600, { comm: 'bash', exe: '/usr/bin/bash', args: ['bash', '-i'] }));
    const { events, h } = await startNetlink(reader, { reinspectDelaysMs: [5, 20] });
    h.onEvent({ what: 'exec', timestampNs: process.hrtime.bigint(), pid: 600, tgid: 600 });
    reader.procs.set(
      600,
      proc(600, {
        comm: 'bash',
        exe: '/usr/bin/bash',
        stdio: [
          { kind: 'socket', inode: 99 },
          { kind: 'socket', inode: 99 },
          { kind: 'socket', inode: 99 },
        ],
      }),
    );
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'inspect')).toHaveLength(1));
    expect(events.find((e) => e.kind === 'inspect')).toMatchObject({ pid: 600, process: { stdio: [{ kind: 'socket', inode: 99 }, {}, {}] } });
  });

  it('keeps going when a listener throws', async () => {
    fx = new FixtureProc();
    const reader = new FakeReader();
    reader.procs.set(700, proc(700));
    const { w, events, h, deps } = await startNetlink(reader);
    w.onEvent(() => {
      throw new Error('boom');
    });
    h.onEvent({ what: 'exec', timestampNs: process.hrtime.bigint(), pid: 700, tgid: 700 });
    expect(events).toHaveLength(1);
    expect(deps.reported[0]).toMatchObject({ stage: 'listener' });
  });
});
