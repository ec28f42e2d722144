import { containerFromProcCgroup } from '../cgroups/parse-path.js';
import { parseCmdline } from '../procfs/parse-cmdline.js';
import { readBytes, readText } from '../shared/read.js';
import type { ProcessInfo } from '../model.js';

/** What matters most about a just-exec'd process, read before anything else. */
export interface EarlyRead {
  readonly args?: readonly string[];
  readonly argsTruncated?: boolean;
  readonly containerId?: string;
}

/**
 * Reads cmdline and cgroup of a pid right at its exec event. A 10 ms process
 * is often gone before a full read (stat, status, fds, mountinfo...) reaches
 * them, and args plus container are what rules need most. Never throws.
 */
export function readEarly(procRoot: string, pid: number, maxCmdlineBytes: number): EarlyRead {
  let args: string[] | undefined;
  let argsTruncated: boolean | undefined;
  let containerId: string | undefined;
  try {
    const cmd = readBytes(`${procRoot}/${pid}/cmdline`, maxCmdlineBytes);
    // Empty for a zombie: nothing learned.
    if (cmd && cmd.bytes.length > 0) {
      args = parseCmdline(cmd.bytes);
      argsTruncated = cmd.truncated;
    }
  } catch {
    /* gone or unreadable: the full read reports real failures */
  }
  try {
    const cg = readText(`${procRoot}/${pid}/cgroup`);
    if (cg !== undefined) containerId = containerFromProcCgroup(cg)?.id;
  } catch {
    /* as above */
  }
  return {
    ...(args ? { args, argsTruncated } : {}),
    ...(containerId ? { containerId } : {}),
  };
}

/** Fills what a partial read lost from the early read. */
export function mergeEarly(p: ProcessInfo, early: EarlyRead): ProcessInfo {
  if (!p.partial) return p;
  const needArgs = p.args.length === 0 && early.args !== undefined;
  const needContainer = p.containerId === undefined && early.containerId !== undefined;
  if (!needArgs && !needContainer) return p;
  return {
    ...p,
    ...(needArgs ? { args: early.args!, argsTruncated: early.argsTruncated ?? false } : {}),
    ...(needContainer ? { containerId: early.containerId } : {}),
  };
}
