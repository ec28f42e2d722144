import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CollectorDeps } from '../deps.js';
import type { ProcessInfo } from '../model.js';
import { ProcError } from '../shared/errors.js';
import { sameFdTarget } from './parse-links.js';
import { createProcessReader, type ProcessReaderConfig, type ProcfsReader } from './reader.js';
import { needsStdioRecheck } from './stdio-policy.js';

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
}

/**
 * The process table, kept up to date incrementally. Per scan it costs one
 * readdir of /proc plus one read of /proc/<pid>/stat per known pid (to
 * confirm identity = pid + start time, and pick up ppid after reparenting).
 * Everything else (status, cmdline, exe, cgroup, ns, mountinfo) is read
 * once, when the process is first seen, because none of it changes without
 * an exec. An exec keeps pid and start time but sets comm to the new
 * program's name, so a changed comm triggers a readlink of exe; if the exe
 * changed too the process is re-read and reported in `added` (it is a new
 * execve), otherwise (prctl rename) comm is just updated. fd 0-2 are re-read
 * only for processes needsStdioRecheck picks (young ones and shells).
 */
export function createProcessTable(
  deps: CollectorDeps,
  cfg: ProcessReaderConfig & { readonly stdioYoungMs?: number },
  reader: ProcfsReader = createProcessReader(cfg, deps.errors),
): ProcessTable {
  const entries = new Map<number, Entry>();
  let gen = 0;

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
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      const known = entries.get(pid);
      if (!known) {
        const info = reader.read(pid);
        if (info) {
          entries.set(pid, { info, gen });
          added.push(info);
        }
        continue;
      }
      const st = reader.readStat(pid);
      if (!st) continue; // gone since readdir: removed below
      let info = known.info;
      if (st.startTicks !== info.startTicks) {
        // pid reused by another process.
        removed.push(info);
        entries.delete(pid);
        const fresh = reader.read(pid);
        if (fresh) {
          entries.set(pid, { info: fresh, gen });
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
      if (needsStdioRecheck(info, now, cfg.stdioYoungMs)) {
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
      entries.set(p.pid, { info: p, gen });
    },
  };
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
