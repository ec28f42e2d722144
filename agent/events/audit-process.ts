import { readFileSync, readlinkSync } from 'node:fs';
import type { AuditSyscall } from '../../collectors/audit/types.js';
import { containerFromProcCgroup } from '../../collectors/cgroups/index.js';
import { parseNsLink } from '../../collectors/procfs/index.js';
import type { ProcessInfo } from '../../collectors/model.js';
import type { ProcFields } from '../../rules/event.js';
import { MAX_ANCESTORS, procFields } from './enrich.js';
import type { EventContext } from './context.js';

/** The process an audit record is about, as the event layer knows it. */
export interface AuditProcess {
  readonly proc: ProcFields;
  readonly containerId?: string;
  /** The network namespace (from the process table: the record has none). */
  readonly netns?: number;
  /** True when the process table had it; false when it was gone (or never read) and the record stood in. */
  readonly fromTable: boolean;
}

/**
 * The process of an audit record from the process table, which has its
 * ancestors and container; a process too short-lived for the table (a
 * one-off wget) is made from the record itself (pid, ppid, comm, exe, argv
 * from PROCTITLE, uids, cwd) and takes its parent's container and network
 * namespace: a process starts in its parent's, and the parent (the shell
 * that ran it) usually outlives it. A table entry for the same pid but
 * another program (pid reused, or exec'd since) does not stand in.
 */
export function auditProcess(s: AuditSyscall, ctx: EventContext): AuditProcess {
  const p = ctx.process(s.pid);
  if (p && !p.partial && (p.comm === s.comm || (s.exe !== undefined && p.exe === s.exe))) {
    return { proc: procFields(p, ctx.process), containerId: p.containerId, netns: p.netns, fromTable: true };
  }
  const parent = ctx.process(s.ppid);
  const argv = s.argv ?? s.proctitle ?? p?.args;
  const ancestors = parent
    ? [{ pid: parent.pid, name: parent.comm, exepath: parent.exe || undefined, args: parent.args.slice(1) }, ...(procFields(parent, ctx.process).ancestors ?? [])].slice(0, MAX_ANCESTORS)
    : [];
  const proc: ProcFields = {
    pid: s.pid,
    ppid: s.ppid,
    name: s.comm,
    exe: argv?.[0] ?? s.comm,
    exepath: s.exe,
    args: argv?.slice(1) ?? [],
    ...(s.cwd !== undefined ? { cwd: s.cwd } : {}),
    uid: s.euid,
    gid: s.egid,
    ...(parent && parent.uid === s.euid ? { user: parent.user } : {}),
    ...(s.tty !== undefined ? { tty: ttyNumber(s.tty) } : { tty: 0 }),
    ancestors,
    partial: true,
  };
  const sameContainer: ProcessInfo | undefined = p?.containerId !== undefined ? p : parent;
  const known = { containerId: sameContainer?.containerId, netns: p?.netns ?? parent?.netns };
  // Neither in the table (a node too busy for the exec watcher to keep up): ask /proc, the process's or its parent's.
  const found = p === undefined && parent === undefined ? fromProc(ctx.procRoot, [s.pid, s.ppid]) : known;
  return { proc, containerId: found.containerId, netns: found.netns, fromTable: false };
}

function fromProc(procRoot: string, pids: readonly number[]): { containerId?: string; netns?: number } {
  for (const pid of pids) {
    try {
      const netns = parseNsLink(readlinkSync(`${procRoot}/${pid}/ns/net`));
      const containerId = containerFromProcCgroup(readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'))?.id;
      return { ...(containerId !== undefined ? { containerId } : {}), ...(netns !== undefined ? { netns } : {}) };
    } catch {
      // gone too: try the next
    }
  }
  return {};
}

/** The audit record's `tty=pts3` as proc.tty's non-zero marker: vigil only tests tty != 0. */
function ttyNumber(tty: string): number {
  const m = /^pts(\d+)$/.exec(tty);
  // tty_nr of /dev/pts/N: major 136, minor N (linux/kdev_t.h new_encode_dev).
  return m ? (136 << 8) | Number(m[1]) : 1;
}
