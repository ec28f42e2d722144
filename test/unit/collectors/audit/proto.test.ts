import { describe, expect, it } from 'vitest';
import { decodeRule, decodeStatus, encodeMessage, encodeStatusSet, encodeSyscallRule, splitMessages } from '../../../../collectors/audit/proto.js';
import { hostSyscallTable, syscallTable } from '../../../../collectors/audit/syscalls.js';

describe('audit netlink encoding', () => {
  it('a rule round-trips: syscalls, arch, pid exclusion, key', () => {
    const raw = encodeSyscallRule({ arch: 0xc000003e, syscalls: [0, 42, 257, 437], excludePid: 77, key: 'vigil' });
    const r = decodeRule(raw)!;
    expect(r).toMatchObject({ filter: 4, action: 2, syscalls: [0, 42, 257, 437], key: 'vigil' });
    expect(r.fields.map((f) => [f.field, f.op, f.value])).toEqual([
      [11, 0x40000000, 0xc000003e],
      [0, 0x30000000, 77],
      [210, 0x40000000, 5],
    ]);
    expect(r.raw.equals(raw)).toBe(true);
    expect(decodeRule(raw.subarray(0, 100))).toBeUndefined();
  });

  it('a status set carries only what its mask names; a status decodes from a short (old kernel) reply', () => {
    const b = encodeStatusSet(0x4, { pid: 99 });
    expect(b.readUInt32LE(0)).toBe(4);
    expect(b.readUInt32LE(12)).toBe(99);
    expect(decodeStatus(b.subarray(0, 16))).toMatchObject({ pid: 99, lost: 0 });
  });

  it('control replies split as netlink messages; a record is one per datagram whose nlmsg_len excludes the header', () => {
    const two = Buffer.concat([encodeMessage(1000, 0, 5, Buffer.alloc(3)), encodeMessage(3, 0, 5, Buffer.alloc(4))]);
    expect(splitMessages(two).messages.map((m) => [m.type, m.seq, m.payload.length])).toEqual([
      [1000, 5, 3],
      [3, 5, 4],
    ]);
    const text = 'audit(1.0:1): arch=c000003e';
    const rec = Buffer.alloc(16 + text.length);
    rec.writeUInt32LE(text.length, 0);
    rec.writeUInt16LE(1300, 4);
    rec.write(text, 16, 'latin1');
    expect(splitMessages(rec).messages[0]!.payload.toString('latin1')).toBe(text);
    const broken = Buffer.alloc(20);
    broken.writeUInt32LE(999, 0);
    expect(splitMessages(broken)).toEqual({ messages: [], malformed: 1 });
  });
});

describe('syscall tables', () => {
  it('map both ways on x86_64 and aarch64', () => {
    const x = syscallTable('x86_64');
    expect([x.number('connect'), x.number('openat'), x.number('openat2'), x.number('execve'), x.number('fchmodat2')]).toEqual([42, 257, 437, 59, 452]);
    expect(x.name(101)).toBe('ptrace');
    const a = syscallTable('aarch64');
    expect([a.number('connect'), a.number('openat'), a.number('execve'), a.number('open')]).toEqual([203, 56, 221, undefined]);
    expect(hostSyscallTable('x64')?.arch).toBe('x86_64');
    expect(hostSyscallTable('arm64')?.arch).toBe('aarch64');
    expect(hostSyscallTable('ia32')).toBeUndefined();
  });
});
