import type { ProcessInfo, ProgramClass } from '../model.js';

/**
 * Which known processes get their fd 0-2 links re-read on a steady-state scan.
 *
 * A reverse shell is `sh -i <&3 >&3` or a `dup2(sock, 0..2)` done by a
 * shell, an interpreter or a netcat right after it starts, so the stdio of
 * those and of any process younger than `youngMs` is checked every scan (3
 * readlinks each). Everything else keeps the stdio seen when it was first
 * read: a long-running daemon that rewires its stdio later is not caught by
 * the scanner (the exec watcher sees each exec, which is where it matters).
 */
/**
 * The programs reverse shells are made of, by class. The same names as
 * before, labelled, so the exe-identity classifier (exe-class.ts) needs no
 * list of its own. busybox and toybox are multi-call binaries: classified
 * by applet, not listed here.
 */
export const PROGRAM_CLASSES: ReadonlyMap<string, ProgramClass> = new Map<string, ProgramClass>([
  ...(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'csh', 'tcsh', 'fish'] as const).map((n) => [n, 'shell'] as const),
  ...(['python', 'python2', 'python3', 'perl', 'ruby', 'php', 'node', 'lua', 'awk', 'gawk', 'mawk', 'tclsh', 'irb'] as const).map((n) => [n, 'interpreter'] as const),
  ...(['nc', 'ncat', 'netcat', 'nc.openbsd', 'nc.traditional', 'socat', 'telnet'] as const).map((n) => [n, 'network_tool'] as const),
]);

export const MULTICALL_BINARIES: ReadonlySet<string> = new Set(['busybox', 'toybox']);

const WATCHED_COMMS = new Set([...PROGRAM_CLASSES.keys(), ...MULTICALL_BINARIES, 'openssl', 'script']);

/** The class of a program name: python3.11 and perl5.36 count as their family. */
export function classOfName(name: string): ProgramClass | undefined {
  return PROGRAM_CLASSES.get(name) ?? (/^(?:python[23]?|perl|ruby|php|lua)[0-9.]+$/.test(name) ? 'interpreter' : undefined);
}

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

/** Shells, interpreters and netcats: their stdio is re-checked on every scan for their whole life. */
export function isWatchedProgram(p: ProcessInfo): boolean {
  if (p.exe === '' && p.args.length === 0) return false; // kernel thread or zombie
  return WATCHED_COMMS.has(p.comm) || /^python3\.\d+$/.test(p.comm) || p.exeClass !== undefined;
}

export function needsStdioRecheck(p: ProcessInfo, nowMs: number, youngMs = DEFAULT_STDIO_YOUNG_MS): boolean {
  if (p.exe === '' && p.args.length === 0) return false; // kernel thread or zombie
  if (nowMs - p.startTimeMs < youngMs) return true;
  return WATCHED_COMMS.has(p.comm) || /^python3\.\d+$/.test(p.comm) || p.exeClass !== undefined;
}
