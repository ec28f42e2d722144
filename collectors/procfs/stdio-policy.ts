import { isReverseShellPart } from '../../core/programs.js';
import type { ProcessInfo } from '../model.js';

/**
 * Which known processes get their fd 0-2 links re-read on a steady-state scan.
 *
 * A reverse shell is `sh -i <&3 >&3` or a `dup2(sock, 0..2)` done by a
 * shell, an interpreter or a netcat right after it starts, so the stdio of
 * those and of any process younger than `youngMs` is checked every scan (3
 * readlinks each). Everything else keeps the stdio seen when it was first
 * read: a long-running daemon that rewires its stdio later is not caught by
 * the scanner (the exec watcher sees each exec, which is where it matters).
 * The programs are core/programs.ts's (isReverseShellPart).
 */
export const DEFAULT_STDIO_YOUNG_MS = 10_000;

/**
 * A young process that is not a watched program is re-checked on every scan
 * only in its first seconds (tools that rewire stdio to a socket do it right
 * after they connect), then once per YOUNG_RECHECK_MS until youngMs: scans
 * that come more often than that (asked for out of schedule, or a short
 * interval) do not re-read the stdio of every process of a burst each time.
 */
export const YOUNG_EVERY_SCAN_MS = 2_000;
export const YOUNG_RECHECK_MS = 1_000;

/** Shells, interpreters and stdio relays: their stdio is re-checked on every scan for their whole life. */
export function isWatchedProgram(p: ProcessInfo): boolean {
  if (p.exe === '' && p.args.length === 0) return false; // kernel thread or zombie
  return isReverseShellPart(p.comm) || p.exeClass !== undefined;
}

export function needsStdioRecheck(p: ProcessInfo, nowMs: number, youngMs = DEFAULT_STDIO_YOUNG_MS): boolean {
  if (p.exe === '' && p.args.length === 0) return false; // kernel thread or zombie
  if (nowMs - p.startTimeMs < youngMs) return true;
  return isReverseShellPart(p.comm) || p.exeClass !== undefined;
}
