import type { ProcessInfo } from '../model.js';
import type { CollectorDeps } from '../../core/deps.js';
import { createProcessReader } from '../procfs/reader.js';
import { mergeEarly, readEarly } from './early-read.js';
import { ExecError } from './errors.js';
import { createExecMetrics } from './metrics.js';
import { openProcConnector, type ProcConnector } from './netlink-source.js';
import { exitCodeFromStatus, type ProcConnectorEvent } from './proc-connector.js';
import { listPids, PidSet } from './proc-list.js';
import { needsReinspection, Reinspector } from './reinspect.js';
import type { ExecEvent, ExecWatcher, ExecWatcherConfig, ProcessProbe, ProcessReader } from './types.js';
import { readlinkSync } from 'node:fs';

const NAME = 'exec';
const ACK_TIMEOUT_MS = 2000;
/** Asked for; the kernel caps it at net.core.rmem_max. */
const RECV_BUFFER_BYTES = 8 << 20;
const MAX_REINSPECT_PENDING = 4096;
/** Bound on the fork-parent memory; cleared when exits were lost and it grows past this. */
const MAX_PARENTS = 65536;

/**
 * Process events for the agent: the kernel's proc connector when it can be
 * used (root in the host network, user and pid namespaces), /proc polling
 * otherwise. Either way an exec is read from /proc at once, because a short
 * process is gone within milliseconds; a process that was already gone is
 * still reported, flagged partial.
 */
export function createExecWatcher(deps: CollectorDeps, cfg: ExecWatcherConfig, reader?: ProcessReader): ExecWatcher {
  return createExecWatcherWith(deps, cfg, reader, openProcConnector);
}

/** The watcher with its kernel source injectable, so unit tests can feed it events. */
export function createExecWatcherWith(deps: CollectorDeps, cfg: ExecWatcherConfig, reader: ProcessReader | undefined, openConnector: typeof openProcConnector): ExecWatcher {
  const log = deps.log.child({ component: NAME });
  const metrics = createExecMetrics(deps.registry);
  const procfs = reader
    ? undefined
    : createProcessReader({ procRoot: cfg.procRoot, passwdPath: cfg.passwdPath, maxCmdlineBytes: cfg.maxCmdlineBytes, ...(cfg.needs ? { needs: cfg.needs } : {}) }, deps.errors);
  const rd: ProcessReader = reader ?? procfs!;
  const probe: ProcessProbe | undefined = procfs
    ? (pid) => {
        const st = procfs.readStat(pid);
        return st ? { startTicks: st.startTicks, comm: st.comm, stdio: procfs.readStdio(pid) } : null;
      }
    : undefined;
  const listeners = new Set<(e: ExecEvent) => void>();
  const known = new PidSet();
  /** Parent of each forked process, so an exec of a process gone too early still names its parent. */
  const parents = new Map<number, number>();
  /** Poll mode: pids first seen on the previous poll and their exe, re-checked once (fork seen before exec). */
  let young = new Map<number, string>();

  let mode: 'netlink' | 'poll' = 'poll';
  let connector: ProcConnector | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let catchUpQueued = false;
  let started = false;
  let stopped = false;

  const reinspector = new Reinspector(
    rd,
    {
      delaysMs: [...cfg.reinspectDelaysMs].sort((a, b) => a - b),
      maxPending: MAX_REINSPECT_PENDING,
      onChanged: (p) => emit({ kind: 'inspect', pid: p.pid, timeMs: Date.now(), process: p }),
      onSkipped: () => metrics.reinspectSkipped(),
      onError: (err) => deps.errors.report(NAME, 'reinspect', err),
    },
    probe,
  );

  function emit(e: ExecEvent): void {
    metrics.event(e.kind);
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        deps.errors.report(NAME, 'listener', new ExecError('VIGIL_ERR_EXEC_LISTENER', 'exec event listener threw', { cause: err }));
      }
    }
  }

  function readExec(pid: number, timeMs: number): ProcessInfo {
    const early = readEarly(cfg.procRoot, pid, cfg.maxCmdlineBytes);
    let p: ProcessInfo | undefined;
    try {
      p = rd.read(pid);
    } catch (err) {
      deps.errors.report(NAME, 'read', err);
    }
    p = mergeEarly(p ?? goneProcess(pid, parents.get(pid) ?? 0, timeMs), early);
    if (p.partial) metrics.partial();
    emit({ kind: 'exec', pid, timeMs, process: p });
    if (!p.partial && needsReinspection(p)) reinspector.schedule(p);
    return p;
  }

  function exited(pid: number, timeMs: number, status?: number): void {
    known.delete(pid);
    parents.delete(pid);
    if (status === undefined) {
      emit({ kind: 'exit', pid, timeMs });
      return;
    }
    const sig = status & 0x7f;
    emit(sig === 0 ? { kind: 'exit', pid, timeMs, exitCode: exitCodeFromStatus(status) } : { kind: 'exit', pid, timeMs, exitCode: exitCodeFromStatus(status), signal: sig });
  }

  function onKernelEvent(ev: ProcConnectorEvent): void {
    switch (ev.what) {
      case 'fork':
        // A new thread: nothing to report, and the common case under load.
        if (ev.childPid !== ev.childTgid) return;
        known.add(ev.childTgid);
        if (parents.size >= MAX_PARENTS) parents.clear();
        parents.set(ev.childTgid, ev.parentTgid);
        emit({ kind: 'fork', pid: ev.childTgid, ppid: ev.parentTgid, timeMs: kernelTimeMs(ev.timestampNs) });
        return;
      case 'exec':
        if (ev.pid !== ev.tgid) return;
        known.add(ev.tgid);
        readExec(ev.tgid, kernelTimeMs(ev.timestampNs));
        return;
      case 'exit':
        if (ev.pid !== ev.tgid) return;
        exited(ev.tgid, kernelTimeMs(ev.timestampNs), ev.exitStatus);
        return;
      case 'ack':
        return;
    }
  }

  /** Diff /proc against the known pids; new ones become execs, vanished ones exits. */
  function diffProc(): void {
    let pids: number[];
    try {
      pids = listPids(cfg.procRoot);
    } catch (err) {
      deps.errors.report(NAME, 'list', new ExecError('VIGIL_ERR_EXEC_PROC_LIST', `cannot list ${cfg.procRoot}`, { cause: err }));
      return;
    }
    const now = Date.now();
    if (mode === 'poll') recheckYoung(now);
    const { added, removed } = known.diff(pids);
    for (const pid of removed) exited(pid, now);
    for (const pid of added) {
      const p = readExec(pid, now);
      if (mode === 'poll' && !p.partial) young.set(pid, p.exe);
    }
  }

  /**
   * A poll can catch a child between fork and exec (still the parent's
   * image). Looking once more at the exe of last poll's newcomers catches
   * that exec at the price of one readlink per new process.
   */
  function recheckYoung(now: number): void {
    if (young.size === 0) return;
    const previous = young;
    young = new Map();
    for (const [pid, exe] of previous) {
      let current: string;
      try {
        current = readlinkSync(`${cfg.procRoot}/${pid}/exe`);
      } catch {
        continue; // gone (its exit is reported by the diff) or unreadable
      }
      if (current !== exe) readExec(pid, now);
    }
  }

  function schedulePoll(): void {
    if (stopped || mode !== 'poll') return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      diffProc();
      schedulePoll();
    }, cfg.pollIntervalMs);
    pollTimer.unref();
  }

  function queueCatchUp(): void {
    if (catchUpQueued || stopped) return;
    catchUpQueued = true;
    setImmediate(() => {
      catchUpQueued = false;
      if (!stopped && mode === 'netlink') diffProc();
    });
  }

  function setMode(next: 'netlink' | 'poll'): void {
    mode = next;
    metrics.mode(next);
  }

  const handlers = {
    onEvent: onKernelEvent,
    onOverrun: () => {
      metrics.lost(1);
      queueCatchUp();
    },
    onMalformed: (n: number) => {
      metrics.lost(n);
      queueCatchUp();
    },
    onFatal: (err: ExecError) => {
      if (stopped) return;
      deps.errors.report(NAME, 'netlink', err);
      log.error({ err: err.message }, `exec events: netlink source failed, falling back to polling /proc every ${cfg.pollIntervalMs} ms`);
      void connector?.close();
      connector = undefined;
      // The known set is current, so the first poll catches up what was missed.
      setMode('poll');
      schedulePoll();
    },
  };

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = undefined;
    reinspector.stop();
    const c = connector;
    connector = undefined;
    await c?.close();
  }

  return {
    name: NAME,
    get mode() {
      return mode;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async start(signal) {
      if (started || stopped || signal.aborted) return;
      started = true;
      signal.addEventListener('abort', () => void stop(), { once: true });
      let reason: string | undefined;
      if (cfg.mode !== 'poll') {
        try {
          const c = await openConnector(handlers, { ackTimeoutMs: ACK_TIMEOUT_MS, recvBufferBytes: RECV_BUFFER_BYTES });
          if (stopped) {
            await c.close();
            return;
          }
          connector = c;
        } catch (err) {
          if (cfg.mode === 'netlink') throw err;
          reason = err instanceof Error ? err.message : String(err);
        }
      }
      if (stopped) return;
      try {
        known.reset(listPids(cfg.procRoot));
      } catch (err) {
        const e = new ExecError('VIGIL_ERR_EXEC_PROC_LIST', `cannot list ${cfg.procRoot}`, { cause: err });
        if (connector === undefined) {
          await stop();
          throw e;
        }
        deps.errors.report(NAME, 'list', e);
      }
      setMode(connector ? 'netlink' : 'poll');
      if (connector) log.info({ mode: 'netlink' }, 'exec events: netlink proc connector');
      else if (reason !== undefined) log.warn({ mode: 'poll', reason }, `exec events: netlink unavailable (${reason}), polling /proc every ${cfg.pollIntervalMs} ms`);
      else log.info({ mode: 'poll' }, `exec events: polling /proc every ${cfg.pollIntervalMs} ms`);
      schedulePoll();
    },
    stop,
  };
}

/** Kernel timestamps are CLOCK_MONOTONIC, the clock behind process.hrtime. */
function kernelTimeMs(timestampNs: bigint): number {
  const ageNs = process.hrtime.bigint() - timestampNs;
  return Date.now() - Number(ageNs) / 1e6;
}

/**
 * What is known of a process that exited before /proc/<pid> could be read:
 * its pid and, when its fork was seen, its parent. Unknown numbers are -1
 * (uid, gid) or 0, strings empty; `partial` tells consumers not to trust them.
 */
function goneProcess(pid: number, ppid: number, timeMs: number): ProcessInfo {
  return {
    pid,
    ppid,
    startTicks: 0,
    startTimeMs: timeMs,
    comm: '',
    exe: '',
    args: [],
    argsTruncated: false,
    uid: -1,
    gid: -1,
    user: '',
    tty: 0,
    vpid: 0,
    netns: 0,
    stdio: [{ kind: 'none' }, { kind: 'none' }, { kind: 'none' }],
    partial: true,
  };
}
