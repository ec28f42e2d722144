import { statSync, statfsSync } from 'node:fs';
import { containerFromProcCgroup } from '../cgroups/parse-path.js';
import type { ErrorReporter } from '../../core/deps.js';
import type { FdTarget, ProcessInfo } from '../model.js';
import { isChurn } from '../../core/errors.js';
import { ProcError } from '../shared/errors.js';
import { readBytes, readIntoScratch, readLink, readText, scratchBuffer } from '../shared/read.js';
import { parseCmdline } from './parse-cmdline.js';
import { parseFdLink, parseNsLink } from './parse-links.js';
import { parseStatBytes, type ProcStat } from './parse-stat.js';
import { parseStatus } from './parse-status.js';
import { createPasswdCache } from './passwd.js';
import { createUpperLayerProbe, hostRootOf } from './upper-layer.js';
import { createExeClassifier, type ExeIdentity } from './exe-class.js';

export interface ProcessReaderConfig {
  readonly procRoot: string;
  /** The host's passwd file (/host/etc/passwd in a DaemonSet). */
  readonly passwdPath: string;
  /** cmdline bytes read at most; longer ones are cut and flagged argsTruncated. */
  readonly maxCmdlineBytes: number;
  /**
   * Where the host's / is mounted, to look at container writable layers.
   * Default: procRoot without its trailing /proc ('/host/proc' -> '/host').
   */
  readonly hostRoot?: string;
  /**
   * Details only some rules need, asked on every read (the agent derives it
   * from the loaded rules, so nothing is read that no rule looks at).
   * Default: none of them.
   */
  readonly needs?: () => ProcDetailNeeds;
}

/** The optional reads of a process, each a file per process read. */
export interface ProcDetailNeeds {
  /** /proc/<pid>/status of host processes too (capabilities); container processes always get it. */
  readonly hostStatus: boolean;
  /** /proc/<pid>/loginuid (user.loginuid). */
  readonly loginuid: boolean;
  /** /proc/<pid>/environ, cut at maxCmdlineBytes (proc.env). */
  readonly env: boolean;
}

export const NO_DETAIL_NEEDS: ProcDetailNeeds = Object.freeze({ hostStatus: false, loginuid: false, env: false });

export interface ProcessReader {
  /**
   * Everything known of one process. undefined if the pid is gone before
   * /proc/<pid>/stat could be read; a later vanish (or a non-churn failure,
   * which is also reported) yields `partial: true` with what was read.
   */
  read(pid: number): ProcessInfo | undefined;
}

/** What the process table needs beyond `read`: the cheap per-scan probes. */
export interface ProcfsReader extends ProcessReader {
  /** Just /proc/<pid>/stat: identity (start time), ppid, comm. */
  readStat(pid: number): ProcStat | undefined;
  /** Just the fd 0-2 links (three readlinks). */
  readStdio(pid: number): readonly [FdTarget, FdTarget, FdTarget];
  startTimeMs(startTicks: number): number;
}

/** USER_HZ is 100 on every Linux ABI Node runs on (x86, arm, arm64, ppc, s390). */
const TICKS_PER_SECOND = 100;
const COMPONENT = 'procfs';
const NONE: FdTarget = Object.freeze({ kind: 'none' });
const NO_STDIO = Object.freeze([NONE, NONE, NONE] as const);

export function createProcessReader(cfg: ProcessReaderConfig, errors?: ErrorReporter): ProcfsReader {
  const root = cfg.procRoot;
  const passwd = createPasswdCache(cfg.passwdPath, {
    onError: (err) => errors?.report(COMPONENT, 'passwd', new ProcError('VIGIL_ERR_PROC_READ', `cannot read ${cfg.passwdPath}`, { cause: err })),
  });
  const hostRoot = cfg.hostRoot ?? hostRootOf(root);
  const upper = createUpperLayerProbe(root, hostRoot);
  const classifier = createExeClassifier({ procRoot: root, hostRoot });
  const bootTimeMs = readBootTimeMs(root, errors);
  const ownerIsEuid = isProcfs(root);

  /** Runs one read; churn or failure marks the result partial instead of throwing. */
  function attempt<T>(pid: number, what: string, fn: () => T | undefined, state: { partial: boolean }): T | undefined {
    try {
      const v = fn();
      if (v === undefined) state.partial = true;
      return v;
    } catch (err) {
      state.partial = true;
      if (!isChurn(err)) {
        errors?.report(COMPONENT, what, new ProcError('VIGIL_ERR_PROC_READ', `cannot read ${root}/${pid}/${what}`, { cause: err }));
      }
      return undefined;
    }
  }

  function readStat(pid: number): ProcStat | undefined {
    let len: number | undefined;
    try {
      len = readIntoScratch(`${root}/${pid}/stat`, 'single');
    } catch (err) {
      if (!isChurn(err)) errors?.report(COMPONENT, 'stat', new ProcError('VIGIL_ERR_PROC_READ', `cannot read ${root}/${pid}/stat`, { cause: err }));
      return undefined;
    }
    if (len === undefined) return undefined;
    const st = parseStatBytes(scratchBuffer(), len);
    if (!st) errors?.report(COMPONENT, 'stat', new ProcError('VIGIL_ERR_PROC_PARSE', `unparsable ${root}/${pid}/stat`));
    return st;
  }

  function fdLink(pid: number, fd: number): FdTarget {
    try {
      return parseFdLink(readLink(`${root}/${pid}/fd/${fd}`));
    } catch (err) {
      // EACCES on a process changing credentials is as transient as churn.
      if (!isChurn(err) && (err as { code?: string }).code !== 'EACCES') {
        errors?.report(COMPONENT, 'fd', new ProcError('VIGIL_ERR_PROC_READ', `cannot read ${root}/${pid}/fd/${fd}`, { cause: err }));
      }
      return { kind: 'none' };
    }
  }

  function readStdio(pid: number): readonly [FdTarget, FdTarget, FdTarget] {
    return [fdLink(pid, 0), fdLink(pid, 1), fdLink(pid, 2)];
  }

  function startTimeMs(startTicks: number): number {
    return bootTimeMs + Math.round((startTicks * 1000) / TICKS_PER_SECOND);
  }

  function read(pid: number): ProcessInfo | undefined {
    const st = readStat(pid);
    if (!st) return undefined;
    const state = { partial: false };
    const dir = `${root}/${pid}`;

    // Kernel threads have no exe nor cmdline; zombies lost theirs: not partial.
    const hollow = st.kernelThread || st.state === 'Z';
    let args: string[] = [];
    let argsTruncated = false;
    let exe = '';
    if (!hollow) {
      const cmd = attempt(pid, 'cmdline', () => readBytes(`${dir}/cmdline`, cfg.maxCmdlineBytes, 'single'), state);
      if (cmd) {
        args = parseCmdline(cmd.bytes);
        argsTruncated = cmd.truncated;
      }
      exe = attempt(pid, 'exe', () => readLink(`${dir}/exe`), state) ?? '';
    }
    const cgroup = attempt(pid, 'cgroup', () => readText(`${dir}/cgroup`, 'single'), state);
    const container = cgroup === undefined ? undefined : containerFromProcCgroup(cgroup);
    // Effective uid/gid: on procfs the owner of /proc/<pid> is exactly that
    // (task_dump_owner; the directory ignores the dumpable flag, which is
    // why ps stats it too), at a third of the cost of generating status.
    // status is still read where NSpid matters (container processes), off
    // procfs (fixture trees, whose owners mean nothing), and for host
    // processes too while a rule needs capabilities. Host processes
    // get vpid = pid: a process in a nested pid namespace outside any
    // container cgroup is not told apart.
    const needs = cfg.needs?.() ?? NO_DETAIL_NEEDS;
    let ids: { uid: number; gid: number; vpid: number; vpgid?: number; capEffective?: number; capPermitted?: number } | undefined;
    if (container || !ownerIsEuid || needs.hostStatus) {
      ids = attempt(
        pid,
        'status',
        () => {
          const t = readText(`${dir}/status`, 'single');
          return t === undefined ? undefined : parseStatus(t);
        },
        state,
      );
    } else {
      const owner = attempt(pid, 'owner', () => statSync(dir, { throwIfNoEntry: false }), state);
      if (owner) ids = { uid: owner.uid, gid: owner.gid, vpid: pid };
    }
    // A host process's group as this /proc sees it is its vpgid (Falco's
    // proc.vpgid "reflects pgid" on the host); NSpgid says it for the others.
    const vpgid = ids?.vpgid !== undefined && ids.vpgid >= 0 ? ids.vpgid : container ? undefined : st.pgrp >= 0 ? st.pgrp : undefined;
    const loginuid = needs.loginuid && !st.kernelThread ? optionalRead(() => readText(`${dir}/loginuid`, 'single')) : undefined;
    const environ = needs.env && !hollow ? optionalRead(() => readBytes(`${dir}/environ`, cfg.maxCmdlineBytes, 'single')) : undefined;
    const netns = parseNsLink(attempt(pid, 'ns/net', () => readLink(`${dir}/ns/net`), state)) ?? 0;
    // Kernel threads never have fds: three readlinks that could only fail
    // (each failure a thrown error in Node). Not zombies: a thread-group
    // leader shows Z while its other threads still run with the fds open.
    const stdio: readonly [FdTarget, FdTarget, FdTarget] = st.kernelThread ? NO_STDIO : readStdio(pid);
    let exeUpperLayer: boolean | undefined;
    if (container && exe) {
      exeUpperLayer = attempt(pid, 'mountinfo', () => upper.isExeOnUpperLayer(pid, container.id, exe) ?? null, state) ?? undefined;
    }

    let identity: ExeIdentity | undefined;
    if (exe) identity = attempt(pid, 'exe-class', () => classifier.classify(pid, exe, args, container?.id) ?? null, state) ?? undefined;
    // A multi-call binary re-exec'd through /proc/self/exe reads as `exe`
    // until it renames itself: its applet is its name (Falco's proc.name).
    const comm = st.comm === 'exe' && identity?.multicall && identity.program ? identity.program.slice(0, 15) : st.comm;

    const uid = ids?.uid ?? -1;
    const info: ProcessInfo = {
      pid,
      ppid: st.ppid,
      startTicks: st.startTicks,
      startTimeMs: startTimeMs(st.startTicks),
      comm,
      exe,
      args,
      argsTruncated,
      uid,
      gid: ids?.gid ?? -1,
      user: uid >= 0 ? passwd.lookup(uid) : '',
      tty: st.tty,
      vpid: ids?.vpid ?? pid,
      netns,
      stdio,
      ...(container ? { containerId: container.id } : {}),
      ...(vpgid !== undefined ? { vpgid } : {}),
      ...(ids?.capEffective !== undefined && ids.capEffective >= 0 ? { capEffective: ids.capEffective } : {}),
      ...(ids?.capPermitted !== undefined && ids.capPermitted >= 0 ? { capPermitted: ids.capPermitted } : {}),
      ...(loginuid !== undefined && /^\d+\s*$/.test(loginuid) ? { loginuid: Number(loginuid) } : {}),
      ...(environ ? { env: parseCmdline(environ.bytes) } : {}),
      ...(exeUpperLayer !== undefined ? { exeUpperLayer } : {}),
      ...(identity ? { exeId: identity.exeId } : {}),
      ...(identity?.exeClass ? { exeClass: identity.exeClass } : {}),
      ...(identity?.program ? { program: identity.program } : {}),
      ...(state.partial ? { partial: true } : {}),
    };
    return info;
  }

  return { read, readStat, readStdio, startTimeMs };
}

/**
 * A read only some rules need: a failure (the file absent on a kernel
 * without audit, EACCES, the process gone) leaves the field unknown; it
 * neither marks the process partial nor counts as an error.
 */
function optionalRead<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** btime from /proc/stat (seconds since the epoch); 0 when unreadable. */
function readBootTimeMs(root: string, errors: ErrorReporter | undefined): number {
  try {
    const text = readText(`${root}/stat`) ?? '';
    const m = /^btime (\d+)$/m.exec(text);
    if (m) return Number(m[1]) * 1000;
  } catch (err) {
    errors?.report(COMPONENT, 'btime', new ProcError('VIGIL_ERR_PROC_READ', `cannot read ${root}/stat`, { cause: err }));
  }
  return 0;
}

const PROC_SUPER_MAGIC = 0x9fa0;

/** Whether `root` is a procfs mount (not a fixture tree or a copy). */
function isProcfs(root: string): boolean {
  try {
    return statfsSync(root).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
