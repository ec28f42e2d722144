import { posix } from 'node:path';
import type { AuditPath, AuditSockaddr, AuditSyscall } from '../../collectors/audit/types.js';
import type { EventArg } from '../../rules/event.js';
import { resultName } from '../../rules/fields/index.js';

/** How one syscall's kernel arguments read: a0..a3 as numbers, its paths by role, relative paths made absolute. */

export const AT_FDCWD = -100;

function u64(hex: string | undefined): bigint | undefined {
  return hex !== undefined && /^[0-9a-f]{1,16}$/i.test(hex) ? BigInt(`0x${hex}`) : undefined;
}

/** aN as a C int (fds, dirfds: AT_FDCWD is ffffff9c). */
export function argInt(s: AuditSyscall, n: number): number | undefined {
  const v = u64(s.args[n]);
  return v === undefined ? undefined : Number(BigInt.asIntN(32, v));
}

/** aN as an unsigned 32-bit value (flags, modes). */
export function argUint(s: AuditSyscall, n: number): number | undefined {
  const v = u64(s.args[n]);
  return v === undefined ? undefined : Number(BigInt.asUintN(32, v));
}

/** aN in hex as libsinsp prints PF_HEX numbers (upper case, no prefix). */
export function argHex(s: AuditSyscall, n: number): string | undefined {
  const v = u64(s.args[n]);
  return v === undefined ? undefined : v.toString(16).toUpperCase();
}

/** The PATH record of a role: the target of an open or chmod, the old or new name of a rename... */
export function pathOf(s: AuditSyscall, nametype: 'target' | 'DELETE' | 'CREATE' | 'NORMAL' | 'UNKNOWN', nth = 0): AuditPath | undefined {
  let seen = 0;
  for (const p of s.paths) {
    const match = nametype === 'target' ? p.nametype !== 'PARENT' : p.nametype === nametype;
    if (match && seen++ === nth) return p;
  }
  return undefined;
}

/**
 * A path as the process meant it: absolute paths normalized; relative ones
 * joined to the working directory (AT_FDCWD) or to what the dirfd points at
 * (`dirOf`, a readlink of /proc/<pid>/fd/<dirfd> while the process lives);
 * undefined when neither is known.
 */
export function absolute(name: string, cwd: string | undefined, dirfd: number | undefined, dirOf: (fd: number) => string | undefined): string | undefined {
  if (name.startsWith('/')) return posix.normalize(name);
  const base = dirfd === undefined || dirfd === AT_FDCWD ? cwd : dirOf(dirfd);
  return base === undefined || !base.startsWith('/') ? undefined : posix.join(base, name);
}

/** Falco's renderings of the usual parameter types. */
export const arg = {
  res(rawres: number): EventArg {
    return rawres < 0 ? { name: 'res', value: String(rawres), resolved: resultName(rawres), raw: rawres } : { name: 'res', value: String(rawres), raw: rawres };
  },
  /** PT_FD (and the res of a call that returns an fd). */
  fd(name: string, fd: number | undefined): EventArg | undefined {
    return fd === undefined ? undefined : { name, value: String(fd), raw: fd };
  },
  /** PT_FSPATH / PT_FSRELPATH: as given; resolved to the absolute path when it was relative. */
  path(name: string, given: string | undefined, abs: string | undefined): EventArg | undefined {
    if (given === undefined) return undefined;
    return abs !== undefined && abs !== given && !given.startsWith('/') ? { name, value: given, resolved: abs } : { name, value: given };
  },
  /** PT_FLAGS* / PT_ENUMFLAGS*: the number (in Falco's bits), and the names. */
  flags(name: string, value: number | undefined, names: (v: number) => string): EventArg | undefined {
    return value === undefined ? undefined : { name, value: String(value), resolved: names(value), raw: value };
  },
  /** PT_MODE with PF_OCT: `%#o` and the permission names. */
  mode(name: string, value: number | undefined, names?: (v: number) => string): EventArg | undefined {
    if (value === undefined) return undefined;
    const oct = value === 0 ? '0' : `0${value.toString(8)}`;
    return names ? { name, value: oct, resolved: names(value), raw: value } : { name, value: oct, raw: value };
  },
  num(name: string, value: number | undefined): EventArg | undefined {
    return value === undefined ? undefined : { name, value: String(value), raw: value };
  },
  hex(name: string, value: number | undefined): EventArg | undefined {
    return value === undefined ? undefined : { name, value: value.toString(16).toUpperCase(), raw: value };
  },
  text(name: string, value: string | undefined): EventArg | undefined {
    return value === undefined ? undefined : { name, value };
  },
};

/** `addr:port` (`[v6]:port`), or a unix socket's path. */
export function sockaddrText(a: AuditSockaddr): string | undefined {
  if (a.family === 'inet') return `${a.addr}:${a.port}`;
  if (a.family === 'inet6') return `[${a.addr}]:${a.port}`;
  if (a.family === 'unix') return a.path;
  return undefined;
}

export function compact(args: readonly (EventArg | undefined)[]): EventArg[] {
  return args.filter((a): a is EventArg => a !== undefined);
}
