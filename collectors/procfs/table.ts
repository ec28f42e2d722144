import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CollectorDeps } from '../../core/deps.js';
import type { ProcessInfo } from '../model.js';
import { ProcError } from '../shared/errors.js';
import { sameFdTarget } from './parse-links.js';
import { createProcessReader, type ProcessReaderConfig, type ProcfsReader } from './reader.js';
import { DEFAULT_STDIO_YOUNG_MS, YOUNG_EVERY_SCAN_MS, YOUNG_RECHECK_MS, isWatchedProgram } from './stdio-policy.js';

export interface ProcessScan {
  /** New processes; also a known pid that exec'd another program (see scan). */
  readonly added: readonly ProcessInfo[];
  readonly removed: readonly ProcessInfo[];
  /** Known processes whose fd 0-2 now point elsewhere. */
  readonly changed: readonly ProcessInfo[];
  readonly durationMs: number;
}

export interface ProcessTable {
  scan(): ProcessScan;
  get(pid: number): ProcessInfo | undefined;
  list(): Iterable<ProcessInfo>;
  /** The exec watcher inserts a process it read on exec so the next scan does not report it again. */
  upsert(p: ProcessInfo): void;
}

interface Entry {
  info: ProcessInfo;
  /** Scan generation that last saw the pid in /proc. */
  gen: number;
  /** When its stat was last read (or, for a new entry, a spread-out time before that). */
  verifiedAt: number;
  /** When its fd 0-2 were last read. */
  stdioAt: number;
}

export interface ProcessTableConfig extends ProcessReaderConfig {
  /** Processes younger than this get their stdio re-checked (and identity verified) every scan. */
  readonly stdioYoungMs?: number;
  /**
   * A known process that is neither young nor a shell, interpreter or netcat
   * (see needsStdioRecheck) has its /proc/<pid>/stat read once it was last
   * read at least this long ago, rather than on every scan; turns are spread
   * over the period by pid. 0 = every scan. A function is asked on every
   * scan, so the agent can tighten it when the exec watcher cannot see
   * execs (poll mode). Default DEFAULT_STAT_VERIFY_MS (the host scanner
   * uses 4 scan intervals).
   */
  readonly statVerifyMs?: number | (() => number);
  /** Monotonic clock in ms for the verification turns (tests); default performance.now. */
  readonly now?: () => number;
}

export const DEFAULT_STAT_VERIFY_MS = 4000;

/** Golden-ratio fraction of the pid: spreads turns evenly whatever the pid numbering. */
const spread = (pid: number): number => (pid * 0.6180339887498949) % 1;

/**
 * The process table, kept up to date incrementally.
 *
 * What each scan checks:
 * - readdir(/proc), always: a pid that is new is read in full (stat,
 *   cmdline, exe, cgroup, ns/net, fd 0-2, uid/gid, and status for container
 *   processes) and reported `added`; a known pid that is no longer listed is
 *   reported `removed`. So new processes and exits are seen within one scan.
 * - /proc/<pid>/stat of every known shell, interpreter or netcat, and of
 *   every process in its first 2 s, plus its fd 0-2 links (young processes
 *   up to stdioYoungMs: once a second, see stdio-policy.ts): identity
 *   (start time: a reused pid is removed + added), exec in place (comm
 *   changed, then exe/argv compared: reported `added`), ppid/tty, and stdio
 *   (reported `changed`).
 * - /proc/<pid>/stat of the other known processes (long-lived daemons and
 *   idle workers, most of a node) only when it was last read statVerifyMs
 *   ago or more (4 scan intervals in the host scanner), turns spread by pid:
 *   at a steady interval each scan reads about a quarter of them, and scans
 *   run out of schedule (the event layer asks for one on some execs) read
 *   only the few whose turn came, so the cost follows time, not scan count.
 *   Between turns their pid reuse, exec in place, reparenting and tty change
 *   are seen up to statVerifyMs late by the scan, but an exec is seen at once
 *   by the exec watcher in netlink mode, which upserts the new program here
 *   (agent/events/wire.ts). A pid is only reused within one scan interval
 *   when the pid space wraps (pid_max is 4194304 on 64-bit kernels).
 * Everything else (status, cmdline, exe, cgroup, ns, mountinfo) is read once,
 * when the process is first seen, because none of it changes without an exec.
 * An exec keeps pid and start time but sets comm to the new program's name,
 * so a changed comm triggers a re-read; if exe or argv changed too the
 * process is reported in `added` (it is a new execve), otherwise (prctl
 * rename) comm is just updated.
 */
export function createProcessTable(deps: CollectorDeps, cfg: ProcessTableConfig, reader: ProcfsReader = createProcessReader(cfg, deps.errors)): ProcessTable {
  const entries = new Map<number, Entry>();
  let gen = 0;
  let lastPeriod: number | undefined;

  const clock = cfg.now ?? (() => performance.now());
  const youngMs = cfg.stdioYoungMs ?? DEFAULT_STDIO_YOUNG_MS;

  function verifyPeriod(): number {
    const v = typeof cfg.statVerifyMs === 'function' ? cfg.statVerifyMs() : cfg.statVerifyMs;
    return v === undefined || !Number.isFinite(v) || v < 0 ? DEFAULT_STAT_VERIFY_MS : v;
  }

  function scan(): ProcessScan {
    const t0 = performance.now();
    const added: ProcessInfo[] = [];
    const removed: ProcessInfo[] = [];
    const changed: ProcessInfo[] = [];
    let names: string[] | undefined;
    try {
      // Not listDir: a missing /proc is a broken mount, never churn.
      names = readdirSync(cfg.procRoot);
    } catch (err) {
      deps.errors.report('procfs', 'list', new ProcError('VIGIL_ERR_PROC_SCAN', `cannot list ${cfg.procRoot}`, { cause: err }));
    }
    if (names === undefined) return { added, removed, changed, durationMs: performance.now() - t0 };

    gen++;
    const now = Date.now();
    const t = clock();
    const period = verifyPeriod();
    if (period !== lastPeriod) {
      // The period changed (the exec watcher settled on netlink after the
      // first scans used the polling period): spread the turns over the new
      // one, or every process first seen in those scans would come due in
      // the same few scans, once per period, for the agent's whole life.
      for (const [pid, e] of entries) e.verifiedAt = t - period * spread(pid);
      lastPeriod = period;
    }
    // A new entry counts as verified some time within the last period, so the
    // turns of processes first seen together are spread over the next one.
    const entry = (pid: number, info: ProcessInfo): Entry => ({ info, gen, verifiedAt: t - period * spread(pid), stdioAt: t });
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      const known = entries.get(pid);
      if (!known) {
        const info = reader.read(pid);
        if (info) {
          entries.set(pid, entry(pid, info));
          added.push(info);
        }
        continue;
      }
      const age = now - known.info.startTimeMs;
      const watched = isWatchedProgram(known.info) || (age < youngMs && (age < YOUNG_EVERY_SCAN_MS || t - known.stdioAt >= YOUNG_RECHECK_MS));
      if (!watched && t - known.verifiedAt < period) {
        known.gen = gen; // listed, so alive; verified on its turn
        continue;
      }
      known.verifiedAt = t;
      if (watched) known.stdioAt = t;
      const st = reader.readStat(pid);
      if (!st) continue; // gone since readdir: removed below
      let info = known.info;
      if (st.startTicks !== info.startTicks) {
        // pid reused by another process.
        removed.push(info);
        entries.delete(pid);
        const fresh = reader.read(pid);
        if (fresh) {
          entries.set(pid, entry(pid, fresh));
          added.push(fresh);
        }
        continue;
      }
      known.gen = gen;
      if (st.comm !== info.comm) {
        const fresh = reader.read(pid);
        if (fresh && (fresh.exe !== info.exe || !sameArgs(fresh.args, info.args))) {
          known.info = fresh;
          added.push(fresh);
          continue;
        }
        info = { ...info, comm: st.comm };
      }
      if (st.ppid !== info.ppid || st.tty !== info.tty) info = { ...info, ppid: st.ppid, tty: st.tty };
      if (watched || (info.comm !== known.info.comm && isWatchedProgram(info))) {
        const stdio = reader.readStdio(pid);
        if (!stdio.every((fd, i) => sameFdTarget(fd, info.stdio[i]!))) {
          info = { ...info, stdio };
          changed.push(info);
        }
      }
      known.info = info;
    }
    for (const [pid, e] of entries) {
      if (e.gen !== gen) {
        removed.push(e.info);
        entries.delete(pid);
      }
    }
    return { added, removed, changed, durationMs: performance.now() - t0 };
  }

  return {
    scan,
    get: (pid) => entries.get(pid)?.info,
    *list() {
      for (const e of entries.values()) yield e.info;
    },
    upsert(p) {
      // Just read by the exec watcher: verified now.
      entries.set(p.pid, { info: p, gen, verifiedAt: clock(), stdioAt: clock() });
    },
  };
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
