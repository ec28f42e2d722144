import { describe, expect, it } from 'vitest';
import { endianness } from 'node:os';
import { buildMcastControl, exitCodeFromStatus, parseDatagram, PROC_CN_MCAST_LISTEN } from '../../../../collectors/exec/proc-connector.js';

const LE = endianness() === 'LE';

/** Builds one nlmsghdr + cn_msg + proc_event message as the kernel lays it out (host order). */
function message(what: number, data: number[], opts: { idx?: number; seq?: number; ack?: number; ts?: bigint; dataBytes?: number } = {}): Buffer {
  const union = opts.dataBytes ?? 24;
  const evLen = 16 + union;
  const total = 16 + 20 + evLen;
  const b = Buffer.alloc(total);
  const w32 = (v: number, o: number) => (LE ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const w16 = (v: number, o: number) => (LE ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  w32(total, 0);
  w16(3, 4); // NLMSG_DONE
  w32(opts.idx ?? 1, 16);
  w32(1, 20);
  w32(opts.seq ?? 0, 24);
  w32(opts.ack ?? 0, 28);
  w16(evLen, 32);
  w32(what, 36);
  w32(0, 40); // cpu
  if (LE) b.writeBigUInt64LE(opts.ts ?? 123456789n, 44);
  else b.writeBigUInt64BE(opts.ts ?? 123456789n, 44);
  data.forEach((v, i) => {
    if (52 + i * 4 + 4 <= total) w32(v, 52 + i * 4);
  });
  return b;
}

describe('parseDatagram', () => {
  it('reads a fork event', () => {
    const r = parseDatagram(message(1, [100, 100, 200, 200], { ts: 5_000_000n }));
    expect(r.events).toEqual([{ what: 'fork', timestampNs: 5_000_000n, parentPid: 100, parentTgid: 100, childPid: 200, childTgid: 200 }]);
    expect(r.malformed).toBe(0);
  });

  it('reads an exec event', () => {
    const r = parseDatagram(message(2, [4242, 4242]));
    expect(r.events).toEqual([{ what: 'exec', timestampNs: 123456789n, pid: 4242, tgid: 4242 }]);
  });

  it('reads an exit event with status, signal and parent', () => {
    const r = parseDatagram(message(0x80000000, [7, 7, 3 << 8, 17, 1, 1]));
    expect(r.events).toEqual([{ what: 'exit', timestampNs: 123456789n, pid: 7, tgid: 7, exitStatus: 768, exitSignal: 17, parentPid: 1, parentTgid: 1 }]);
  });

  it('reads a thread exit with exit_signal -1', () => {
    const r = parseDatagram(message(0x80000000, [8, 7, 0, 0xffffffff, 1, 1]));
    expect(r.events[0]).toMatchObject({ what: 'exit', pid: 8, tgid: 7, exitSignal: -1 });
  });

  it('reads an exit event of an old kernel without parent fields', () => {
    const r = parseDatagram(message(0x80000000, [7, 7, 0, 17], { dataBytes: 16 }));
    expect(r.events[0]).toMatchObject({ what: 'exit', pid: 7, parentPid: 0, parentTgid: 0 });
  });

  it('reads the ack of a LISTEN with its seq and ack', () => {
    const r = parseDatagram(message(0, [0], { seq: 99, ack: 1 }));
    expect(r.events).toEqual([{ what: 'ack', err: 0, seq: 99, ack: 1, timestampNs: 123456789n }]);
  });

  it('ignores uid, comm and unknown event types', () => {
    const r = parseDatagram(Buffer.concat([message(0x4, [1, 1, 0, 0]), message(0x200, [1, 1]), message(0x1234, [])]));
    expect(r.events).toEqual([]);
    expect(r.ignored).toBe(3);
    expect(r.malformed).toBe(0);
  });

  it('ignores messages of other connector indexes', () => {
    const r = parseDatagram(message(2, [1, 1], { idx: 7 }));
    expect(r.events).toEqual([]);
    expect(r.ignored).toBe(1);
  });

  it('reads several messages in one datagram', () => {
    const buf = Buffer.concat([message(1, [1, 1, 50, 50]), message(2, [50, 50]), message(0x80000000, [50, 50, 0, 17, 1, 1])]);
    const r = parseDatagram(buf);
    expect(r.events.map((e) => e.what)).toEqual(['fork', 'exec', 'exit']);
  });

  it('honors 4-byte alignment between messages', () => {
    // A 2-byte-longer first message (len not a multiple of 4) is followed by 2 bytes of padding.
    const first = message(2, [10, 10]);
    // Declare len = real len + 2 (unaligned), then pad to the next multiple of 4.
    const odd = Buffer.concat([first, Buffer.alloc(4)]);
    (LE ? odd.writeUInt32LE.bind(odd) : odd.writeUInt32BE.bind(odd))(first.length + 2, 0);
    const r = parseDatagram(Buffer.concat([odd, message(2, [11, 11])]));
    expect(r.events.map((e) => (e.what === 'exec' ? e.pid : -1))).toEqual([10, 11]);
  });

  it('counts a truncated datagram as malformed and keeps the complete messages before it', () => {
    const whole = Buffer.concat([message(2, [1, 1]), message(2, [2, 2])]);
    for (const cut of [whole.length - 1, whole.length - 30, 76 + 10, 76 + 3]) {
      const r = parseDatagram(whole.subarray(0, cut));
      expect(r.events).toHaveLength(1);
      expect(r.malformed).toBe(1);
    }
  });

  it('counts an event whose union is cut short as malformed', () => {
    const m = message(1, [1, 1, 2, 2], { dataBytes: 8 });
    const r = parseDatagram(m);
    expect(r.events).toEqual([]);
    expect(r.malformed).toBe(1);
  });

  it('counts NLMSG_OVERRUN messages', () => {
    const b = Buffer.alloc(16);
    (LE ? b.writeUInt32LE.bind(b) : b.writeUInt32BE.bind(b))(16, 0);
    (LE ? b.writeUInt16LE.bind(b) : b.writeUInt16BE.bind(b))(4, 4);
    expect(parseDatagram(b).overruns).toBe(1);
  });

  it('never throws on garbage', () => {
    for (let i = 0; i < 200; i++) {
      const len = (i * 7) % 120;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = (i * 31 + j * 17) & 0xff;
      expect(() => parseDatagram(b)).not.toThrow();
    }
  });
});

describe('buildMcastControl', () => {
  it('lays out nlmsghdr, cn_msg and the op', () => {
    const b = buildMcastControl(PROC_CN_MCAST_LISTEN, 0xabcd, 77);
    const r32 = (o: number) => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const r16 = (o: number) => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
    expect(b.length).toBe(40);
    expect(r32(0)).toBe(40);
    expect(r16(4)).toBe(3);
    expect(r32(8)).toBe(77);
    expect(r32(12)).toBe(0xabcd);
    expect([r32(16), r32(20), r32(24), r32(28), r16(32), r16(34), r32(36)]).toEqual([1, 1, 77, 0, 4, 0, 1]);
  });
});

describe('exitCodeFromStatus', () => {
  it('gives the exit code or 128 + signal', () => {
    expect(exitCodeFromStatus(0)).toBe(0);
    expect(exitCodeFromStatus(3 << 8)).toBe(3);
    expect(exitCodeFromStatus(9)).toBe(137);
    expect(exitCodeFromStatus(0x80 | 11)).toBe(139); // core dumped
  });
});
