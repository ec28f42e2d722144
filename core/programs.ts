/**
 * The program classes a reverse shell is made of, once for every layer: the
 * collectors decide from them whose stdio to re-read, the event layer whose
 * pipes and ptys to follow, and the rule library's lists
 * (rules/library/00-macros.yaml) name the same programs. A test
 * (test/unit/core/programs.test.ts) fails when any of those drifts from here.
 * Names are process names (comm, at most 15 characters).
 */

/** vigil_shell_binaries. busybox is here because `busybox sh` runs as comm busybox. */
export const SHELLS: readonly string[] = ['ash', 'bash', 'busybox', 'csh', 'dash', 'fish', 'ksh', 'mksh', 'rbash', 'sh', 'tcsh', 'yash', 'zsh'];

/** vigil_interpreters: script interpreters that can dup2 a socket onto their stdio. */
export const INTERPRETERS: readonly string[] = [
  'awk',
  'expect',
  'gawk',
  'irb',
  'lua',
  'luajit',
  'mawk',
  'nawk',
  'node',
  'nodejs',
  'perl',
  'perl5',
  'php',
  'php-cgi',
  'python',
  'python2',
  'python3',
  'ruby',
  'tclsh',
];

/**
 * Interpreters installed under versioned names (python3.12, perl5.36,
 * php8.2, lua5.4, ruby3.1, tclsh8.6): a process name starting with one of
 * these is an interpreter too (the library's `proc.name startswith ...`).
 */
export const VERSIONED_INTERPRETER_PREFIXES: readonly string[] = ['lua', 'perl', 'php', 'python', 'ruby', 'tclsh'];

/** Netcats and the like: they connect and carry a program's stdio (`nc -e`, `socat exec:`). Class network_tool. */
export const NETWORK_RELAYS: readonly string[] = ['nc', 'nc.openbsd', 'nc.traditional', 'ncat', 'netcat', 'socat', 'telnet'];

/**
 * Programs whose stdio may carry a shell to a network peer: the network
 * relays, plus `openssl s_client` and `script` (which makes a pty). Their
 * stdio is followed like a shell's. Not a library list.
 */
export const STDIO_RELAYS: readonly string[] = [...NETWORK_RELAYS, 'openssl', 'script'];

/** Multi-call binaries: what they are depends on the applet (`busybox sh`, `busybox nc`). */
export const MULTICALL_BINARIES: ReadonlySet<string> = new Set(['busybox', 'toybox']);

/** vigil_network_tools: launching one in a container is worth an alert. */
export const NETWORK_TOOLS: readonly string[] = [
  'arpspoof',
  'dig',
  'ettercap',
  'host',
  'hping3',
  'iftop',
  'masscan',
  'nc',
  'nc.openbsd',
  'nc.traditional',
  'ncat',
  'netcat',
  'ngrep',
  'nmap',
  'nping',
  'nslookup',
  'socat',
  'tcpdump',
  'telnet',
  'tshark',
  'zmap',
];

export type ProgramClass = 'shell' | 'interpreter' | 'network_tool';

/** Each named program's class; multi-call binaries are classed by applet, so not here. */
export const PROGRAM_CLASSES: ReadonlyMap<string, ProgramClass> = new Map<string, ProgramClass>([
  ...SHELLS.filter((n) => !MULTICALL_BINARIES.has(n)).map((n) => [n, 'shell'] as const),
  ...INTERPRETERS.map((n) => [n, 'interpreter'] as const),
  ...NETWORK_RELAYS.map((n) => [n, 'network_tool'] as const),
]);

const SHELL_OR_INTERPRETER = new Set([...SHELLS, ...INTERPRETERS]);
const REVERSE_SHELL_PART = new Set([...SHELLS, ...INTERPRETERS, ...STDIO_RELAYS, ...MULTICALL_BINARIES]);

/** python3.12, perl5.36, php8.2: a versioned name of an interpreter family (not php-fpm). */
function isVersionedInterpreter(name: string): boolean {
  for (const p of VERSIONED_INTERPRETER_PREFIXES) if (name.startsWith(p) && /^[0-9.]+$/.test(name.slice(p.length))) return true;
  return false;
}

/** The class of a program name: python3.11 and perl5.36 count as their family. */
export function classOfName(name: string): ProgramClass | undefined {
  return PROGRAM_CLASSES.get(name) ?? (isVersionedInterpreter(name) ? 'interpreter' : undefined);
}

/** A shell or an interpreter by name (the library's vigil_shell_or_interpreter also takes any name starting with a versioned prefix). */
export function isShellOrInterpreter(name: string): boolean {
  return SHELL_OR_INTERPRETER.has(name) || isVersionedInterpreter(name);
}

/** A shell, an interpreter, a stdio relay or a multi-call binary: a program a reverse shell can be made of. */
export function isReverseShellPart(name: string): boolean {
  return REVERSE_SHELL_PART.has(name) || isVersionedInterpreter(name);
}
