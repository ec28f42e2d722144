/** The fields of /proc/<pid>/stat the process table needs. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** Process group id (as seen from the pid namespace of this /proc). */
  readonly pgrp: number;
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
  const pgrp = Number(rest[2]);
  const tty = Number(rest[4]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(ppid) || !Number.isInteger(startTicks)) {
    return undefined;
  }
  return statOf(pid, text.slice(open + 2, close), state, ppid, pgrp, tty, flags, startTicks);
}

/** The parsed fields as a ProcStat, the optional ones defaulted (both parsers end here). */
function statOf(pid: number, comm: string, state: string, ppid: number, pgrp: number, tty: number, flags: number, startTicks: number): ProcStat {
  return {
    pid,
    comm,
    state,
    ppid,
    pgrp: Number.isInteger(pgrp) ? pgrp : -1,
    tty: Number.isInteger(tty) ? tty : 0,
    startTicks,
    kernelThread: Number.isInteger(flags) && (flags & PF_KTHREAD) !== 0,
  };
}

/**
 * parseStat on the raw bytes of /proc/<pid>/stat (`buf[0, len)`), without
 * making a string of the whole line: the per-scan identity check of every
 * known pid runs this thousands of times a second. Only comm becomes a
 * string. Same rules and results as parseStat.
 */
export function parseStatBytes(buf: Buffer, len: number): ProcStat | undefined {
  let open = -1;
  for (let i = 0; i + 1 < len; i++) {
    if (buf[i] === 0x20 && buf[i + 1] === 0x28) {
      open = i;
      break;
    }
  }
  let close = -1;
  for (let i = len - 1; i >= 0; i--) {
    if (buf[i] === 0x29) {
      close = i;
      break;
    }
  }
  if (open < 0 || close < open || close + 2 >= len) return undefined;
  const pid = decimalAt(buf, 0, open);
  // Fields after ") ", counted from 0: state(0) ppid(1) pgrp(2) session(3) tty_nr(4) tpgid(5) flags(6) ... starttime(19).
  const state = String.fromCharCode(buf[close + 2]!);
  let ppid = NaN;
  let pgrp = NaN;
  let tty = NaN;
  let flags = NaN;
  let startTicks = NaN;
  let field = 0;
  let start = close + 2;
  for (let i = start; i <= len; i++) {
    if (i < len && buf[i] !== 0x20 && buf[i] !== 0x0a) continue;
    if (field === 1) ppid = decimalAt(buf, start, i);
    else if (field === 2) pgrp = decimalAt(buf, start, i);
    else if (field === 4) tty = decimalAt(buf, start, i);
    else if (field === 6) flags = decimalAt(buf, start, i);
    else if (field === 19) {
      startTicks = decimalAt(buf, start, i);
      break;
    }
    field++;
    start = i + 1;
  }
  if (!Number.isInteger(pid) || state === ' ' || !Number.isInteger(ppid) || !Number.isInteger(startTicks)) return undefined;
  return statOf(pid, buf.toString('utf8', open + 2, close), state, ppid, pgrp, tty, flags, startTicks);
}

/** A decimal integer (optionally negative) spanning buf[from, to); NaN otherwise. */
function decimalAt(buf: Buffer, from: number, to: number): number {
  if (from >= to) return NaN;
  let i = from;
  let sign = 1;
  if (buf[i] === 0x2d) {
    sign = -1;
    i++;
    if (i === to) return NaN;
  }
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return sign * n;
}
