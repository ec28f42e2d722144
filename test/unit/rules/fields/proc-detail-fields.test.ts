import { describe, expect, it } from 'vitest';
import type { ContainerMount, VigilEvent } from '../../../../rules/event.js';
import { bindField } from '../../../../rules/fields/index.js';
import { compileCondition } from '../../../../rules/index.js';
import { parse } from '../compiler/helpers.js';

const get = (name: string, e: VigilEvent, arg?: string): unknown => {
  const f = bindField(name, arg);
  if (typeof f === 'string') throw new Error(f);
  return f.get(e);
};
const matches = (cond: string, e: VigilEvent): boolean => compileCondition(parse(cond), false)(e);

const base = { type: 'execve', source: 'syscall', timeMs: 1 } as const;
const proc = (p: Partial<NonNullable<VigilEvent['proc']>>): VigilEvent => ({ ...base, proc: { pid: 10, name: 'x', ...p } });

describe('thread.cap_effective, thread.cap_permitted', () => {
  const e = proc({ capEffective: 'CAP_CHOWN CAP_SYS_MODULE CAP_SYS_ADMIN', capPermitted: '' });
  it("compare as Falco's space-separated CAP_* names", () => {
    expect(matches('thread.cap_effective contains CAP_SYS_ADMIN', e)).toBe(true);
    expect(matches('thread.cap_effective icontains sys_module', e)).toBe(true);
    expect(matches('thread.cap_permitted contains CAP_SYS_ADMIN', e)).toBe(false);
    expect(matches('not thread.cap_permitted contains CAP_SYS_ADMIN', e)).toBe(true);
  });
  it('are unknown (never match) when the capabilities were not read', () => {
    expect(get('thread.cap_effective', proc({}))).toBeUndefined();
    expect(matches('thread.cap_effective contains CAP_SYS_ADMIN', proc({}))).toBe(false);
  });
});

describe('user.loginuid', () => {
  it('is a number, -1 for a process that never logged in', () => {
    expect(matches('user.loginuid != 0', proc({ loginuid: -1 }))).toBe(true);
    expect(matches('user.loginuid = -1', proc({ loginuid: -1 }))).toBe(true);
    expect(matches('user.loginuid >= 1000', proc({ loginuid: 1000 }))).toBe(true);
    expect(matches('user.loginuid != 0', proc({}))).toBe(false);
  });
});

describe('proc.env', () => {
  const e = proc({ env: ['PATH=/bin', 'HTTP_PROXY=http://p:3128', 'PADDED=  v w  ', 'EMPTY=', 'GLIBC_TUNABLES=glibc.tune=x'] });
  it('joins every entry with spaces; proc.env[NAME] is the value, spaces at the ends stripped', () => {
    expect(get('proc.env', e)).toBe('PATH=/bin HTTP_PROXY=http://p:3128 PADDED=  v w   EMPTY= GLIBC_TUNABLES=glibc.tune=x');
    expect(get('proc.env', e, 'HTTP_PROXY')).toBe('http://p:3128');
    expect(get('proc.env', e, 'PADDED')).toBe('v w');
    // libsinsp's get_env: an empty value, and a variable that is not set, both give ''.
    expect(get('proc.env', e, 'EMPTY')).toBe('');
    expect(get('proc.env', e, 'NOPE')).toBe('');
    expect(get('proc.env', e, 'PATH=')).toBe('');
    expect(matches('proc.env icontains glibc_tunables', e)).toBe(true);
    expect(matches('proc.env[HTTP_PROXY] startswith http', e)).toBe(true);
  });
  it('is unknown when the environment was not read', () => {
    expect(get('proc.env', proc({}))).toBeUndefined();
    expect(get('proc.env', proc({}), 'PATH')).toBeUndefined();
    expect(matches('proc.env icontains HTTP_PROXY', proc({}))).toBe(false);
  });
});

describe('proc.is_exe_from_memfd, proc.vpgid, proc.is_vpgid_leader', () => {
  it('read the event as the agent fills it', () => {
    expect(matches('proc.is_exe_from_memfd = true', proc({ isExeFromMemfd: true }))).toBe(true);
    expect(matches('proc.is_exe_from_memfd = true', proc({ isExeFromMemfd: false }))).toBe(false);
    expect(get('proc.is_vpgid_leader', proc({ vpid: 7, vpgid: 7 }))).toBe(true);
    expect(get('proc.is_vpgid_leader', proc({ vpid: 8, vpgid: 7 }))).toBe(false);
    expect(get('proc.is_vpgid_leader', proc({ vpid: 8 }))).toBeUndefined();
    expect(get('proc.vpgid', proc({ vpgid: 7 }))).toBe(7);
  });
});

describe('container.mount*', () => {
  const mounts: ContainerMount[] = [
    { source: '/var/lib/kubelet/pods/u/etc-hosts', dest: '/etc/hosts', mode: '', rdwr: true, propagation: 'private' },
    { source: '/proc', dest: '/host/proc', mode: 'ro', rdwr: false, propagation: 'rprivate' },
    { source: '/var/run/docker.sock', dest: '/var/run/docker.sock', mode: '', rdwr: true, propagation: 'rprivate' },
  ];
  const e: VigilEvent = { ...base, container: { id: 'c'.repeat(64), mounts } };
  it('container.mount.dest[GLOB] is the destination of the first mount whose source matches the glob', () => {
    expect(get('container.mount.dest', e, '/proc*')).toBe('/host/proc');
    expect(get('container.mount.dest', e, '/var/run/docker.sock')).toBe('/var/run/docker.sock');
    // A glob matches the whole path: `/` is the host's root only, `/etc` not /etc/hosts' source.
    expect(get('container.mount.dest', e, '/')).toBeUndefined();
    expect(get('container.mount.dest', e, '/etc')).toBeUndefined();
    expect(get('container.mount.dest', e, '/root*')).toBeUndefined();
  });
  it('takes an index, and container.mount.source looks up by destination', () => {
    expect(get('container.mount.dest', e, '0')).toBe('/etc/hosts');
    expect(get('container.mount.dest', e, '9')).toBeUndefined();
    expect(get('container.mount.source', e, '/host/*')).toBe('/proc');
    expect(get('container.mount.mode', e, '1')).toBe('ro');
    expect(get('container.mount.rdwr', e, '/proc')).toBe('false');
    expect(get('container.mount.propagation', e, '2')).toBe('rprivate');
    expect(get('container.mount', e, '/proc')).toBe('/proc:/host/proc:ro:false:rprivate');
    expect(get('container.mounts', e)).toBe('/var/lib/kubelet/pods/u/etc-hosts:/etc/hosts::true:private,/proc:/host/proc:ro:false:rprivate,/var/run/docker.sock:/var/run/docker.sock::true:rprivate');
  });
  it("Falco's sensitive_mount test: a found mount is sensitive, a missing one is <NA> (so `not ... in` holds)", () => {
    const cond = 'not container.mount.dest[/proc*] in ("<NA>","N/A")';
    expect(matches(cond, e)).toBe(true);
    expect(matches('container.mount.dest[/proc*] exists', e)).toBe(true);
    expect(matches('container.mount.dest[/etc] exists', e)).toBe(false);
    expect(get('container.mount.dest', { ...base }, '0')).toBeUndefined();
  });
  it('needs an argument', () => {
    expect(bindField('container.mount.dest')).toMatch(/needs an argument/);
  });
});
