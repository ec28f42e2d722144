import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Gauge, Registry } from 'prom-client';
import type { AuditStatus } from '../collectors/audit/index.js';
import type { OutputHealthBoard } from './outputs/health.js';
import type { CheckResult, ReadinessCheck } from './readiness.js';

/**
 * The agent's own /readyz checks: can it see what it must see to detect?
 * Each is a small function of what the agent knows; agent/pipeline.ts
 * registers them. Semantics (why each is or is not fatal) in
 * docs/never-blind.md.
 */

/** Exec events flow (netlink or /proc polling): not ok only before the watcher started. */
export function execSourceCheck(exec: { readonly mode: string }, started: () => boolean): ReadinessCheck {
  return () =>
    started() ? { ok: true, detail: `exec events from ${exec.mode === 'netlink' ? 'the netlink proc connector' : '/proc polling'} (${exec.mode})` } : { ok: false, detail: 'exec watcher not started' };
}

/**
 * The kernel audit source. With `--audit on` the agent is not ready unless
 * records flow and vigil's rule covers the plan (a locked configuration
 * that lacks it is not ready); with `auto` or `off` the detail says what is
 * audited and why not, and the agent is ready either way.
 */
export function auditSourceCheck(audit: { status(): AuditStatus }, required: boolean): ReadinessCheck {
  return () => {
    const st = audit.status();
    const receiving = st.mode === 'unicast' || st.mode === 'multicast';
    if (!required) return { ok: true, detail: st.detail };
    return { ok: receiving && !(st.immutable && st.unmetSyscalls.length > 0), detail: st.detail };
  };
}

/** At least one enabled rule: a mistyped --rules path loads nothing, and then nothing can alert. */
export function rulesLoadedCheck(enabledRules: () => number | undefined): ReadinessCheck {
  return () => {
    const n = enabledRules();
    if (n === undefined) return { ok: false, detail: 'rules not loaded yet' };
    return n > 0 ? { ok: true, detail: `${n} rules enabled` } : { ok: false, detail: 'no enabled rules: check --rules and the load errors in the log' };
  };
}

/** Every output that implements health() (outputs/health.ts) is ok. */
export function outputsCheck(board: OutputHealthBoard): ReadinessCheck {
  return () => {
    const all = board.read();
    const bad = all.filter((h) => !h.ok);
    if (all.length === 0) return { ok: true, detail: 'no outputs with a health check' };
    return bad.length === 0 ? { ok: true, detail: all.map((h) => `${h.output}: ${h.detail}`).join('; ') } : { ok: false, detail: bad.map((h) => `${h.output}: ${h.detail}`).join('; ') };
  };
}

/**
 * Open file descriptors against RLIMIT_NOFILE. Past `maxUsedRatio` the next
 * /proc read may fail with EMFILE; when the agent cannot even list its fds,
 * that is the answer.
 */
export function fdHeadroomCheck(opts: { readonly procSelf?: string; readonly maxUsedRatio?: number } = {}): ReadinessCheck {
  const self = opts.procSelf ?? '/proc/self';
  const maxRatio = opts.maxUsedRatio ?? 0.9;
  return async () => {
    let open: number;
    let limit: number;
    try {
      open = (await readdir(join(self, 'fd'))).length;
      limit = parseNofile(await readFile(join(self, 'limits'), 'utf8'));
    } catch (err) {
      return { ok: false, detail: `cannot count open file descriptors: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    const detail = `${open} of ${Number.isFinite(limit) ? limit : 'unlimited'} file descriptors open`;
    return { ok: open < limit * maxRatio, detail: open < limit * maxRatio ? detail : `${detail}: over ${Math.round(maxRatio * 100)} %` };
  };
}

export function parseNofile(limits: string): number {
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  if (!m || m[1] === 'unlimited') return Infinity;
  return Number(m[1]);
}

/**
 * Whether the agent can read other users' processes (their fds are what
 * stdio and socket ownership come from): without CAP_SYS_PTRACE/root, or
 * under hidepid, it sees only its own. Tries one process of another uid.
 * The answer does not change often and the probe reads /proc, which is
 * slow on a busy node: after the first probe, /readyz gets the last answer
 * at once and a new probe starts in the background when it is older than
 * `cacheMs`.
 */
export function procAccessCheck(opts: { readonly procRoot: string; readonly uid?: number; readonly cacheMs?: number }): ReadinessCheck {
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  const cacheMs = opts.cacheMs ?? 30_000;
  let last: { at: number; result: CheckResult } | undefined;
  let probing: Promise<CheckResult> | undefined;
  const probe = (): Promise<CheckResult> =>
    (probing ??= probeProcAccess(opts.procRoot, uid).then((result) => {
      last = { at: Date.now(), result };
      probing = undefined;
      return result;
    }));
  return async () => {
    if (!last) return probe();
    if (Date.now() - last.at >= cacheMs) void probe();
    return last.result;
  };
}

const MAX_PROBED = 500;

async function probeProcAccess(procRoot: string, uid: number): Promise<CheckResult> {
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((n) => /^\d+$/.test(n));
  } catch (err) {
    return { ok: false, detail: `cannot list ${procRoot}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  for (const pid of pids.slice(0, MAX_PROBED)) {
    let owner: number;
    try {
      // The owner of /proc/<pid> is the process's effective uid: one stat, no read.
      owner = (await stat(join(procRoot, pid))).uid;
    } catch {
      continue; // exited: churn
    }
    if (owner === uid) continue;
    try {
      await readdir(join(procRoot, pid, 'fd'));
      return { ok: true, detail: `reads other users' processes (pid ${pid}, uid ${owner})` };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ESRCH') continue;
      return { ok: false, detail: `cannot read other users' processes (${procRoot}/${pid}/fd: ${code ?? ''}): run as root or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH` };
    }
  }
  return { ok: true, detail: `no process of another user to test among ${Math.min(pids.length, MAX_PROBED)} (${pids.length} visible)` };
}

/**
 * The container runtime answers. A runtime whose socket is absent is not a
 * failure (a containerd node has no Docker); one whose socket exists but does
 * not answer is: containers then go unnamed and namespace-scoped rules miss.
 */
export function runtimeCheck(registry: Registry, sockets: Readonly<Record<string, string>>): ReadinessCheck {
  return async () => {
    const gauge = registry.getSingleMetric('vigil_runtime_up') as Gauge<'runtime'> | undefined;
    const values = gauge ? (await gauge.get()).values : [];
    const parts: string[] = [];
    let ok = true;
    for (const [runtime, socket] of Object.entries(sockets)) {
      const up = values.find((v) => v.labels.runtime === runtime)?.value === 1;
      if (up) parts.push(`${runtime} reachable`);
      else if (!existsSync(socket)) parts.push(`${runtime}: no socket at ${socket}, containers found from cgroups without names`);
      else {
        ok = false;
        parts.push(`${runtime}: socket ${socket} does not answer`);
      }
    }
    return { ok, detail: parts.join('; ') || 'no runtime configured' };
  };
}
