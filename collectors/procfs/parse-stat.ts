/** The fields of /proc/<pid>/stat the process table needs. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly tty: number;
  /** Field 22: start time in clock ticks since boot. */
  readonly startTicks: number;
  /** PF_KTHREAD in the flags field: no exe, no cmdline, by design. */
  readonly kernelThread: boolean;
}

const PF_KTHREAD = 0x00200000;

/**
 * Parses /proc/<pid>/stat. comm is whatever the process set (up to 15 bytes)
 * and may hold spaces, ')' and newlines, so it is cut at the first '(' and
 * the LAST ')': the fields after it are numbers and a state letter, which
 * can never contain ')'. Returns undefined on text that is not a stat line
 * (a truncated read), never throws.
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  // After ") ": state(3) ppid(4) pgrp(5) session(6) tty_nr(7) ... starttime(22).
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const tty = Number(rest[4]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(ppid) || !Number.isInteger(startTicks)) {
    return undefined;
  }
  return {
    pid,
    comm: text.slice(open + 2, close),
    state,
    ppid,
    tty: Number.isInteger(tty) ? tty : 0,
    startTicks,
    kernelThread: Number.isInteger(flags) && (flags & PF_KTHREAD) !== 0,
  };
}
