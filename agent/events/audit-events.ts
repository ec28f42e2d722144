import type { AuditSyscall } from '../../collectors/audit/types.js';
import type { EventArg, EventType, FdFields, OpenFields, VigilEvent } from '../../rules/event.js';
import { AUDIT_EVENT_TYPES } from '../../rules/event.js';
import { absolute, arg, argHex, argInt, argUint, compact, pathOf, sockaddrText } from './audit-args.js';
import {
  bpfCommandNames,
  cloneFlagNames,
  cloneFlagsToFalco,
  finitModuleFlagNames,
  memfdFlagNames,
  modeNames,
  mountFlagNames,
  mountFlagsToFalco,
  openFlagNames,
  openFlagsToFalco,
  PPM_O_CREAT,
  PPM_O_F_CREATED,
  PPM_O_RDONLY,
  PPM_O_TMPFILE,
  PPM_O_WRONLY,
  ptraceNames,
  ptraceToFalco,
  socketFamilyNames,
  socketTypeFlagsToFalco,
  umountFlagNames,
  unlinkatFlagNames,
} from './audit-flags.js';
import { type AuditProcess, auditProcess } from './audit-process.js';
import { baseEvent, type EventContext } from './context.js';

/** What the audit mapping looks up beyond the event context. */
export interface AuditLookups {
  /** Where a process's fd points (readlink of /proc/<pid>/fd/<fd>), for *at() calls with a real dirfd. */
  dirOf(pid: number, fd: number): string | undefined;
  /** The protocol of a socket fd, from the socket() calls audited before (socket-kinds.ts). */
  socketProto(pid: number, fd: number): 'tcp' | 'udp' | undefined;
  /** The one TCP port this process listens on in its netns, for the server side of an accept. */
  listeningPort(pid: number, netns: number | undefined): { addr: string; port: number } | undefined;
}

export type AuditContext = EventContext & AuditLookups;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Builder = (s: AuditSyscall, e: Mutable<VigilEvent>, ctx: AuditContext, p: AuditProcess) => void;

const TYPES: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

/**
 * One audited syscall as Falco's event of the same name: its parameters
 * (evt.arg.*) in Falco's order and formats, evt.rawres/evt.res, the fd it
 * opened or used (fd.*), and its process and container. Undefined for a
 * syscall vigil does not map (the plan never asks for one; a pre-existing
 * rule of the host's own may still produce it).
 */
export function auditEvent(s: AuditSyscall, ctx: AuditContext): VigilEvent | undefined {
  const build = BUILDERS[s.syscall];
  if (build === undefined || !TYPES.has(s.syscall)) return undefined;
  const p = auditProcess(s, ctx);
  const e = baseEvent(ctx, s.syscall as EventType, undefined, p.containerId);
  e.timeMs = s.timeMs;
  e.proc = p.proc;
  if (s.exit !== undefined) e.rawres = s.exit;
  build(s, e, ctx, p);
  return e;
}

const res = (s: AuditSyscall): EventArg | undefined => (s.exit === undefined ? undefined : arg.res(s.exit));

function resolve(s: AuditSyscall, ctx: AuditContext, given: string | undefined, dirfd: number | undefined): string | undefined {
  return given === undefined ? undefined : absolute(given, s.cwd, dirfd, (fd) => ctx.dirOf(s.pid, fd));
}

/** open, openat, openat2, creat: the file as Falco's fd, and what the call asked for. */
function openBuilder(kind: 'open' | 'openat' | 'openat2' | 'creat'): Builder {
  return (s, e, ctx) => {
    const at = kind === 'openat' || kind === 'openat2';
    const dirfd = at ? argInt(s, 0) : undefined;
    const target = pathOf(s, 'target');
    const name = resolve(s, ctx, target?.name, dirfd);
    const ok = s.exit !== undefined && s.exit >= 0;
    const created = ok && s.paths.some((p) => p.nametype === 'CREATE');
    // openat2's flags sit in a struct the record does not show; creat's are implied.
    const linuxFlags = kind === 'open' ? argUint(s, 1) : kind === 'openat' ? argUint(s, 2) : undefined;
    const linuxMode = kind === 'open' ? argUint(s, 2) : kind === 'openat' ? argUint(s, 3) : kind === 'creat' ? argUint(s, 1) : undefined;
    let flags = linuxFlags === undefined ? undefined : openFlagsToFalco(linuxFlags);
    if (flags !== undefined && created) flags |= PPM_O_F_CREATED;
    // open_modes_to_scap: the mode only counts with O_CREAT or O_TMPFILE.
    const mode = kind === 'creat' ? (linuxMode ?? 0) & 0o7777 : flags !== undefined && (flags & (PPM_O_CREAT | PPM_O_TMPFILE)) !== 0 ? (linuxMode ?? 0) & 0o7777 : flags !== undefined ? 0 : undefined;
    const isDir = target?.mode !== undefined ? (target.mode & 0o170000) === 0o040000 : false;
    if (name !== undefined || target?.name !== undefined) {
      const fd: Mutable<FdFields> = { type: isDir ? 'directory' : 'file', name: name ?? target!.name! };
      if (ok) fd.num = s.exit;
      if (target?.name !== undefined) fd.nameraw = target.name;
      e.fd = fd;
    }
    const execBits = mode !== undefined && (mode & 0o111) !== 0;
    if (kind === 'creat') e.open = { read: false, write: false, exec: execBits, create: false };
    else if (flags !== undefined) {
      const open: OpenFields = {
        read: (flags & PPM_O_RDONLY) !== 0,
        write: (flags & PPM_O_WRONLY) !== 0,
        exec: (flags & (PPM_O_CREAT | PPM_O_TMPFILE)) !== 0 && execBits,
        create: (flags & PPM_O_F_CREATED) !== 0 || ((flags & PPM_O_TMPFILE) !== 0 && ok),
      };
      e.open = open;
    } else if (created) e.open = { read: false, write: false, exec: false, create: true };
    const fdArg = arg.fd('fd', s.exit);
    const nameArg = arg.path('name', target?.name, name);
    const flagsArg = arg.flags('flags', flags, openFlagNames);
    const modeArg = arg.mode('mode', mode);
    const inoArg = arg.num('ino', ok ? target?.inode : undefined);
    if (kind === 'creat') e.args = compact([fdArg, nameArg, modeArg, inoArg]);
    else if (kind === 'open') e.args = compact([fdArg, nameArg, flagsArg, modeArg, inoArg]);
    else e.args = compact([fdArg, arg.fd('dirfd', dirfd), nameArg, flagsArg, modeArg, inoArg]);
  };
}

/** connect: the peer from SOCKADDR; the local end is not in the record. */
const connectBuilder: Builder = (s, e, ctx, p) => {
  const fdNum = argInt(s, 0);
  const a = s.sockaddr;
  const ok = s.exit !== undefined && (s.exit >= 0 || s.exit === -115); // EINPROGRESS: a non-blocking connect under way
  if (a && (a.family === 'inet' || a.family === 'inet6')) {
    const v6 = a.family === 'inet6' && !(a.addr.startsWith('::ffff:') && a.addr.includes('.'));
    const proto = fdNum === undefined ? undefined : ctx.socketProto(s.pid, fdNum);
    e.fd = {
      type: v6 ? 'ipv6' : 'ipv4',
      ...(fdNum !== undefined ? { num: fdNum } : {}),
      ...(proto ? { l4proto: proto } : {}),
      sip: a.addr,
      sport: a.port,
      rip: a.addr,
      rport: a.port,
      name: `->${sockaddrText(a)}`,
      ...(p.netns !== undefined ? { netns: p.netns } : {}),
      direction: 'out',
      connected: s.exit !== undefined && s.exit >= 0,
      nameChanged: ok,
    };
  } else if (a && a.family === 'unix') {
    e.fd = { type: 'unix', ...(fdNum !== undefined ? { num: fdNum } : {}), name: a.path, connected: s.exit !== undefined && s.exit >= 0, nameChanged: ok };
  }
  const addr = a ? sockaddrText(a) : undefined;
  e.args = compact([res(s), arg.text('tuple', e.fd?.name), arg.fd('fd', fdNum), arg.text('addr', addr)]);
};

/** accept, accept4: the client from SOCKADDR; the server end is the process's one listening port, when it has one. */
function acceptBuilder(four: boolean): Builder {
  return (s, e, ctx, p) => {
    const a = s.sockaddr;
    const ok = s.exit !== undefined && s.exit >= 0;
    if (a && (a.family === 'inet' || a.family === 'inet6')) {
      const v6 = a.family === 'inet6' && !(a.addr.startsWith('::ffff:') && a.addr.includes('.'));
      const server = ctx.listeningPort(s.pid, p.netns);
      const serverText = server ? (v6 ? `[${server.addr}]:${server.port}` : `${server.addr}:${server.port}`) : '';
      e.fd = {
        type: v6 ? 'ipv6' : 'ipv4',
        ...(ok ? { num: s.exit } : {}),
        l4proto: 'tcp',
        cip: a.addr,
        cport: a.port,
        rip: a.addr,
        rport: a.port,
        ...(server ? { sip: server.addr, sport: server.port, lip: server.addr, lport: server.port } : {}),
        name: `${sockaddrText(a)}->${serverText}`,
        ...(p.netns !== undefined ? { netns: p.netns } : {}),
        direction: 'in',
        connected: ok,
      };
    } else if (a && a.family === 'unix') {
      e.fd = { type: 'unix', ...(ok ? { num: s.exit } : {}), name: a.path, connected: ok };
    }
    const flags = four ? argUint(s, 3) : undefined;
    e.args = compact([arg.fd('fd', s.exit), arg.text('tuple', e.fd?.name), ...(four ? [arg.hex('flags', flags)] : [])]);
  };
}

/** Calls on paths only (rename, unlink, mkdir, chmod, link...): evt.arg.* carry the paths, as in Falco (no fd). */
function pathsBuilder(make: (s: AuditSyscall, at: (given: string | undefined, dirfd: number | undefined) => string | undefined) => (EventArg | undefined)[]): Builder {
  return (s, e, ctx) => {
    e.args = compact([res(s), ...make(s, (given, dirfd) => resolve(s, ctx, given, dirfd))]);
  };
}

const given = (s: AuditSyscall, role: Parameters<typeof pathOf>[1], nth = 0): string | undefined => pathOf(s, role, nth)?.name;
const newName = (s: AuditSyscall): string | undefined => given(s, 'CREATE') ?? given(s, 'DELETE', 1);

/** A path arg resolved: `at(given, dirfd)` gives the absolute form. */
const p = (name: string, g: string | undefined, at: (g: string | undefined, d: number | undefined) => string | undefined, dirfd?: number): EventArg | undefined => arg.path(name, g, at(g, dirfd));

const BUILDERS: Readonly<Record<string, Builder>> = {
  open: openBuilder('open'),
  openat: openBuilder('openat'),
  openat2: openBuilder('openat2'),
  creat: openBuilder('creat'),
  connect: connectBuilder,
  accept: acceptBuilder(false),
  accept4: acceptBuilder(true),
  rename: pathsBuilder((s, at) => [p('oldpath', given(s, 'DELETE'), at), p('newpath', newName(s), at)]),
  renameat: pathsBuilder((s, at) => [
    arg.fd('olddirfd', argInt(s, 0)),
    p('oldpath', given(s, 'DELETE'), at, argInt(s, 0)),
    arg.fd('newdirfd', argInt(s, 2)),
    p('newpath', newName(s), at, argInt(s, 2)),
  ]),
  // renameat2's flags are its fifth argument: the record shows a0..a3 only.
  renameat2: pathsBuilder((s, at) => [
    arg.fd('olddirfd', argInt(s, 0)),
    p('oldpath', given(s, 'DELETE'), at, argInt(s, 0)),
    arg.fd('newdirfd', argInt(s, 2)),
    p('newpath', newName(s), at, argInt(s, 2)),
  ]),
  unlink: pathsBuilder((s, at) => [p('path', given(s, 'DELETE') ?? given(s, 'target'), at)]),
  unlinkat: pathsBuilder((s, at) => [arg.fd('dirfd', argInt(s, 0)), p('name', given(s, 'DELETE') ?? given(s, 'target'), at, argInt(s, 0)), arg.flags('flags', argUint(s, 2), unlinkatFlagNames)]),
  rmdir: pathsBuilder((s, at) => [p('path', given(s, 'DELETE') ?? given(s, 'target'), at)]),
  mkdir: pathsBuilder((s, at) => [p('path', given(s, 'CREATE') ?? given(s, 'target'), at), arg.hex('mode', argUint(s, 1))]),
  mkdirat: pathsBuilder((s, at) => [arg.fd('dirfd', argInt(s, 0)), p('path', given(s, 'CREATE') ?? given(s, 'target'), at, argInt(s, 0)), arg.hex('mode', argUint(s, 2))]),
  chmod: pathsBuilder((s, at) => [p('filename', given(s, 'target'), at), arg.mode('mode', modeOf(argUint(s, 1)), modeNames)]),
  fchmodat: pathsBuilder((s, at) => [arg.fd('dirfd', argInt(s, 0)), p('filename', given(s, 'target'), at, argInt(s, 0)), arg.mode('mode', modeOf(argUint(s, 2)), modeNames)]),
  fchmod: pathsBuilder((s) => [arg.fd('fd', argInt(s, 0)), arg.mode('mode', modeOf(argUint(s, 1)), modeNames)]),
  // symlink's target is not a path the kernel looks up: the record shows it as the UNKNOWN item.
  symlink: pathsBuilder((s, at) => [arg.text('target', given(s, 'UNKNOWN')), p('linkpath', given(s, 'CREATE'), at)]),
  symlinkat: pathsBuilder((s, at) => [arg.text('target', given(s, 'UNKNOWN')), arg.fd('linkdirfd', argInt(s, 1)), p('linkpath', given(s, 'CREATE'), at, argInt(s, 1))]),
  link: pathsBuilder((s, at) => [p('oldpath', given(s, 'NORMAL'), at), p('newpath', given(s, 'CREATE'), at)]),
  linkat: pathsBuilder((s, at) => [
    arg.fd('olddir', argInt(s, 0)),
    p('oldpath', given(s, 'NORMAL'), at, argInt(s, 0)),
    arg.fd('newdir', argInt(s, 2)),
    p('newpath', given(s, 'CREATE'), at, argInt(s, 2)),
  ]),
  mount: pathsBuilder((s, at) => {
    const names = s.paths.filter((x) => x.nametype !== 'PARENT').map((x) => x.name);
    const dir = names.length > 1 ? names[1] : names[0];
    return [arg.text('dev', names.length > 1 ? names[0] : undefined), p('dir', dir, at), arg.flags('flags', mapped(argUint(s, 3), mountFlagsToFalco), mountFlagNames)];
  }),
  umount2: pathsBuilder((s, at) => [p('name', given(s, 'target'), at), arg.flags('flags', argUint(s, 1), umountFlagNames)]),
  setns: pathsBuilder((s) => [arg.fd('fd', argInt(s, 0)), arg.flags('nstype', mapped(argUint(s, 1), cloneFlagsToFalco), cloneFlagNames)]),
  unshare: pathsBuilder((s) => [arg.flags('flags', mapped(argUint(s, 0), cloneFlagsToFalco), cloneFlagNames)]),
  ptrace: (s, e, ctx) => {
    const pid = argInt(s, 1);
    const comm = pid === undefined ? undefined : ctx.process(pid)?.comm;
    e.args = compact([
      res(s),
      arg.text('addr', argHex(s, 2)),
      arg.text('data', argHex(s, 3)),
      arg.flags('request', mapped(argUint(s, 0), ptraceToFalco), ptraceNames),
      pid === undefined ? undefined : { name: 'pid', value: String(pid), raw: pid, ...(comm ? { resolved: comm } : {}) },
    ]);
  },
  init_module: pathsBuilder((s) => [arg.num('length', argUint(s, 1))]),
  finit_module: pathsBuilder((s) => [arg.fd('fd', argInt(s, 0)), arg.flags('flags', argUint(s, 2), finitModuleFlagNames)]),
  memfd_create: (s, e) => {
    if (s.exit !== undefined && s.exit >= 0) e.fd = { type: 'memfd', num: s.exit };
    e.args = compact([arg.fd('fd', s.exit), arg.flags('flags', argUint(s, 1), memfdFlagNames)]);
  },
  socket: (s, e) => {
    const type = argUint(s, 1);
    e.args = compact([
      arg.fd('fd', s.exit),
      arg.flags('domain', argUint(s, 0), socketFamilyNames),
      arg.num('type', type === undefined ? undefined : type & 0xf),
      arg.num('proto', argUint(s, 2)),
      arg.flags('flags', mapped(type, socketTypeFlagsToFalco), openFlagNames),
    ]);
  },
  bpf: (s, e) => {
    e.args = compact([arg.fd('fd', s.exit), arg.flags('cmd', argUint(s, 0), bpfCommandNames)]);
  },
  setuid: pathsBuilder((s) => [arg.num('uid', argUint(s, 0))]),
  setgid: pathsBuilder((s) => [arg.num('gid', argUint(s, 0))]),
  userfaultfd: pathsBuilder((s) => [arg.flags('flags', mapped(argUint(s, 0), socketTypeFlagsToFalco), openFlagNames)]),
  execve: execBuilder,
  execveat: execBuilder,
};

/** execve/execveat: the new program's argv from EXECVE (the process may be gone before /proc shows it). */
function execBuilder(s: AuditSyscall, e: Mutable<VigilEvent>): void {
  const argv = s.argv;
  e.args = compact([res(s), arg.text('exe', argv?.[0] ?? s.exe), arg.text('args', argv?.slice(1).join(' ')), arg.num('pid', s.pid), arg.num('ptid', s.ppid), arg.text('cwd', s.cwd)]);
}

/** chmod's mode: the permission and set-id bits (the file type bits are not the caller's). */
function modeOf(v: number | undefined): number | undefined {
  return v === undefined ? undefined : v & 0o7777;
}

function mapped(v: number | undefined, f: (x: number) => number): number | undefined {
  return v === undefined ? undefined : f(v);
}
