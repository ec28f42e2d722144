import { describe, expect, it } from 'vitest';
import { AuditAssembler, type GroupClose } from '../../../../collectors/audit/assemble.js';
import { buildSyscall } from '../../../../collectors/audit/build.js';
import { decodeSockaddr } from '../../../../collectors/audit/decode.js';
import { parseRecord } from '../../../../collectors/audit/records.js';
import type { AuditSyscall } from '../../../../collectors/audit/types.js';

const H = 'audit(1700000000.123:42): ';
const rec = (type: number, body: string, serial = 42) => parseRecord(type, `audit(1700000000.123:${serial}): ${body}`)!;

describe('parseRecord', () => {
  it('reads the header and quoted, bare and hex values', () => {
    const r = parseRecord(1300, `${H}arch=c000003e syscall=257 success=yes exit=3 comm="cat" exe=2F746D702F6D7920657865 key=(null)\0`)!;
    expect(r.timeMs).toBe(1700000000123);
    expect(r.serial).toBe(42);
    expect(r.fields.get('syscall')).toBe('257');
    expect(r.fields.get('comm')).toBe('cat');
    expect(r.quoted.has('comm')).toBe(true);
    expect(r.fields.get('key')).toBe('(null)');
  });

  it('refuses text without the audit(...) header', () => {
    expect(parseRecord(1300, 'arch=c000003e syscall=1')).toBeUndefined();
    expect(parseRecord(1300, `${H}${'x'.repeat(20_000)}`)).toBeUndefined();
  });

  it('a hostile name cannot forge a field: the kernel hex-encodes it', () => {
    // comm was `x" key="evil` → sent as hex, so no key field appears.
    const hostile = Buffer.from('x" key="evil').toString('hex').toUpperCase();
    const e = buildSyscall([rec(1300, `arch=c000003e syscall=42 pid=5 comm=${hostile} key="vigil"`)])!;
    expect(e.comm).toBe('x" key="evil');
    expect(e.key).toBe('vigil');
  });
});

describe('buildSyscall', () => {
  it('assembles SYSCALL, CWD, PATH, PROCTITLE with hex decoded', () => {
    const e = buildSyscall([
      rec(
        1300,
        'arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 ppid=10 pid=11 auid=1000 uid=0 gid=0 euid=0 suid=0 egid=0 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" key="vigil"',
      ),
      rec(1307, 'cwd=2F686F6D652F6D7920646972'),
      rec(1302, 'item=0 name="/etc/shadow" inode=77 dev=fe:00 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL'),
      rec(1327, 'proctitle=636174002F6574632F736861646F77'),
    ])!;
    expect(e).toMatchObject({
      serial: 42,
      syscall: 'openat',
      syscallNr: 257,
      success: true,
      exit: 3,
      args: ['ffffff9c', '7ffc', '0', '0'],
      pid: 11,
      ppid: 10,
      auid: 1000,
      ses: 3,
      tty: 'pts0',
      comm: 'cat',
      exe: '/usr/bin/cat',
      key: 'vigil',
      cwd: '/home/my dir',
      paths: [{ item: 0, name: '/etc/shadow', inode: 77, mode: 0o100640, nametype: 'NORMAL', ouid: 0 }],
      proctitle: ['cat', '/etc/shadow'],
    });
  });

  it('leaves unset auid/ses, tty (none) and key (null) absent; a failed call keeps its errno', () => {
    const e = buildSyscall([rec(1300, 'arch=c000003e syscall=42 success=no exit=-111 pid=5 ppid=1 auid=4294967295 ses=4294967295 tty=(none) comm="curl" key=(null)')])!;
    expect(e.success).toBe(false);
    expect(e.exit).toBe(-111);
    expect(e.auid).toBeUndefined();
    expect(e.ses).toBeUndefined();
    expect(e.tty).toBeUndefined();
    expect(e.key).toBeUndefined();
    expect(e.exe).toBeUndefined();
  });

  it('names syscalls by the record arch: aarch64 and unknown arches', () => {
    expect(buildSyscall([rec(1300, 'arch=c00000b7 syscall=203 pid=1 comm="x"')])!.syscall).toBe('connect');
    expect(buildSyscall([rec(1300, 'arch=40000003 syscall=102 pid=1 comm="x"')])!.syscall).toBe('syscall_102');
  });

  it('joins EXECVE arguments: quoted, hex, and split long ones over several records', () => {
    const long = 'A'.repeat(10);
    const e = buildSyscall([
      rec(1300, 'arch=c000003e syscall=59 success=yes exit=0 pid=9 comm="sh" exe="/bin/sh"'),
      rec(1309, `argc=4 a0="sh" a1=2D63206964 a2_len=20 a2[0]=${Buffer.from(long).toString('hex')}`),
      rec(1309, `a2[1]=${Buffer.from(long).toString('hex')} a3=""`),
    ])!;
    expect(e.argv).toEqual(['sh', '-c id', long + long, '']);
  });

  it('decodes the SOCKADDR of a connect', () => {
    const e = buildSyscall([rec(1300, 'arch=c000003e syscall=42 pid=1 comm="x"'), rec(1306, 'saddr=0A001F90000000000000000000000000000000000000000100000000')])!;
    expect(e.sockaddr).toEqual({ family: 'inet6', addr: '::1', port: 8080 });
  });

  it('is undefined for a group without SYSCALL', () => {
    expect(buildSyscall([rec(1305, 'op=add_rule key="vigil" list=4 res=1')])).toBeUndefined();
  });
});

describe('decodeSockaddr', () => {
  it('inet, unix, abstract unix, netlink', () => {
    expect(decodeSockaddr('020001BB0A000001')).toEqual({ family: 'inet', addr: '10.0.0.1', port: 443 });
    expect(decodeSockaddr(`0100${Buffer.from('/run/x.sock\0').toString('hex')}`)).toEqual({ family: 'unix', path: '/run/x.sock' });
    expect(decodeSockaddr(`0100${Buffer.from('\0abs').toString('hex')}`)).toEqual({ family: 'unix', path: '@abs' });
    expect(decodeSockaddr('100000000000000000000000')).toEqual({ family: 'netlink', raw: '100000000000000000000000' });
    expect(decodeSockaddr('zz')).toBeUndefined();
  });
});

describe('AuditAssembler', () => {
  const make = (opts: Partial<{ timeoutMs: number; maxGroups: number; maxRecordsPerGroup: number }> = {}) => {
    const events: AuditSyscall[] = [];
    const closes: [GroupClose, boolean][] = [];
    let dropped = 0;
    const a = new AuditAssembler(
      { timeoutMs: 1000, maxGroups: 100, maxRecordsPerGroup: 10, ...opts },
      { event: (e) => events.push(e), closed: (how, s) => closes.push([how, s]), recordsDropped: (n) => (dropped += n) },
    );
    return { a, events, closes, dropped: () => dropped };
  };
  const sys = (serial: number) => rec(1300, `arch=c000003e syscall=42 pid=${serial} comm="x"`, serial);
  const eoe = (serial: number) => rec(1320, '', serial);

  it('closes a group at its EOE, with interleaved serials kept apart', () => {
    const { a, events, closes } = make();
    a.push(sys(1), 0);
    a.push(sys(2), 0);
    a.push(rec(1306, 'saddr=020000507F000001', 1), 0);
    a.push(eoe(2), 0);
    a.push(eoe(1), 0);
    expect(events.map((e) => [e.serial, e.sockaddr?.family])).toEqual([
      [2, undefined],
      [1, 'inet'],
    ]);
    expect(closes).toEqual([
      ['eoe', true],
      ['eoe', true],
    ]);
    expect(a.open).toBe(0);
  });

  it('closes a group without EOE after the timeout, not before', () => {
    const { a, events, closes } = make({ timeoutMs: 1000 });
    a.push(sys(1), 0);
    a.push(sys(2), 600);
    expect(a.expire(999)).toBe(0);
    expect(a.expire(1000)).toBe(1);
    expect(events.map((e) => e.serial)).toEqual([1]);
    expect(a.expire(1600)).toBe(1);
    expect(closes.map((c) => c[0])).toEqual(['timeout', 'timeout']);
  });

  it('bounds memory: the oldest group is evicted when too many are open, and a full group drops records', () => {
    const { a, events, closes, dropped } = make({ maxGroups: 2, maxRecordsPerGroup: 2 });
    a.push(sys(1), 0);
    a.push(sys(2), 0);
    a.push(sys(3), 0);
    expect(events.map((e) => e.serial)).toEqual([1]);
    expect(closes).toEqual([['evicted', true]]);
    a.push(rec(1302, 'item=0 name="/a"', 2), 0);
    a.push(rec(1302, 'item=1 name="/b"', 2), 0);
    expect(dropped()).toBe(1);
    a.flush();
    expect(events.map((e) => e.serial)).toEqual([1, 2, 3]);
    expect(a.open).toBe(0);
  });
});
