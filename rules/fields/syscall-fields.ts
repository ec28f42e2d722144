import type { EventArg, VigilEvent } from '../event.js';
import { resultName } from './errno-names.js';
import { keyed, plain } from './helpers.js';
import type { FieldDef, Getter } from './types.js';

/**
 * The syscall family (Falco's evt.res, evt.arg.*, evt.rawarg.*, evt.args,
 * evt.is_open_*): what the kernel audit source's events carry
 * (agent/events/audit-*.ts). evt.arg.NAME is libsinsp's resolved rendering
 * when it has one (`O_WRONLY|O_TRUNC`, `PTRACE_ATTACH`, an errno name, an
 * absolute path), else the plain one; evt.arg[N] is the N-th argument.
 */

function argOf(e: VigilEvent, key: string): EventArg | undefined {
  const args = e.args;
  if (args === undefined) return undefined;
  if (/^\d+$/.test(key)) return args[Number(key)];
  for (let i = 0; i < args.length; i++) if (args[i]!.name === key) return args[i];
  return undefined;
}

const shown = (a: EventArg): string => (a.resolved !== undefined && a.resolved !== '' ? a.resolved : a.value);

/** `evt.arg.NAME`, `evt.arg[NAME]`, `evt.arg[N]` (and the same for evt.rawarg). */
function argField(name: string, desc: string, get: (a: EventArg) => string | number | undefined): FieldDef {
  const make =
    (arg: string): Getter =>
    (e) => {
      const a = argOf(e, arg);
      return a === undefined ? undefined : get(a);
    };
  return keyed(name, 'string', desc, make, false, `${name}.NAME or ${name}[NAME]`);
}

/** Falco's evt.args: `name=value(resolved) ...`. */
function argsText(e: VigilEvent): string | undefined {
  const args = e.args;
  if (args === undefined) return undefined;
  return args.map((a) => (a.resolved !== undefined && a.resolved !== '' ? `${a.name}=${a.value}(${a.resolved})` : `${a.name}=${a.value}`)).join(' ');
}

export const syscallFields: readonly FieldDef[] = [
  plain('evt.res', 'string', 'Result of the syscall: SUCCESS, or the errno name of a failure (ECONNREFUSED, EACCES...).', (e) => (e.rawres === undefined ? undefined : resultName(e.rawres))),
  plain('evt.failed', 'bool', 'True when the syscall failed (negative return value).', (e) => (e.rawres === undefined ? undefined : e.rawres < 0)),
  argField('evt.arg', "A syscall argument by name (evt.arg.flags) or position (evt.arg[0]), in Falco's rendering: flag names, errno names, absolute paths.", shown),
  argField('evt.rawarg', "A syscall argument without resolution: the number behind flags (in Falco's own bits), the path as given.", (a) => a.raw ?? a.value),
  plain('evt.args', 'string', "All the syscall's arguments as name=value(resolved) pairs.", argsText, { derived: true }),
  plain('evt.is_open_read', 'bool', 'On open, openat, openat2, creat: true when opened for reading.', (e) => e.open?.read),
  plain('evt.is_open_write', 'bool', 'On open, openat, openat2, creat: true when opened for writing.', (e) => e.open?.write),
  plain('evt.is_open_exec', 'bool', 'On open, openat, openat2, creat: true when a file is created with an executable mode bit.', (e) => e.open?.exec),
  plain('evt.is_open_create', 'bool', 'On open, openat, openat2, creat: true when the call created the file.', (e) => e.open?.create),
];
