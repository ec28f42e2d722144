import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, buildTcpDumpRequest, DUMPED_STATES, parseDumpChunk, SOCK_DIAG_BY_FAMILY } from '../../../../collectors/netfs/sock-diag.js';

/** One struct nlmsghdr + struct inet_diag_msg, as the kernel sends it (host order = little-endian here). */
function diagMsg(seq: number, o: { family: number; state: number; sport: number; dport: number; src: number[]; dst: number[]; uid: number; inode: number }): Buffer {
  const b = Buffer.alloc(16 + 72);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  b.writeUInt16LE(0x2, 6); // NLM_F_MULTI
  b.writeUInt32LE(seq, 8);
  b.writeUInt8(o.family, 16);
  b.writeUInt8(o.state, 17);
  b.writeUInt16BE(o.sport, 20);
  b.writeUInt16BE(o.dport, 22);
  Buffer.from(o.src).copy(b, 24);
  Buffer.from(o.dst).copy(b, 40);
  b.writeUInt32LE(o.uid, 16 + 64);
  b.writeUInt32LE(o.inode, 16 + 68);
  return b;
}

function control(seq: number, type: 2 | 3, errno = 0): Buffer {
  const b = Buffer.alloc(type === 2 ? 36 : 20);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt32LE(seq, 8);
  b.writeInt32LE(errno, 16);
  return b;
}

const v4 = { family: AF_INET, state: 1, sport: 43210, dport: 8080, src: [127, 0, 0, 1], dst: [10, 1, 2, 3], uid: 1000, inode: 555 };
const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
const loop6 = [...Array<number>(15).fill(0), 1];
const v6 = { family: AF_INET6, state: 10, sport: 22, dport: 0, src: loop6, dst: Array<number>(16).fill(0), uid: 0, inode: 777 };

describe('buildTcpDumpRequest', () => {
  it('asks SOCK_DIAG_BY_FAMILY for a TCP dump of one family, all states a process holds', () => {
    const b = buildTcpDumpRequest(AF_INET6, 42);
    expect(b.length).toBe(16 + 56);
    expect(b.readUInt32LE(0)).toBe(72);
    expect(b.readUInt16LE(4)).toBe(SOCK_DIAG_BY_FAMILY);
    expect(b.readUInt16LE(6)).toBe(0x301); // NLM_F_REQUEST | NLM_F_DUMP
    expect(b.readUInt32LE(8)).toBe(42);
    expect([b[16], b[17]]).toEqual([AF_INET6, 6]);
    expect(b.readUInt32LE(20)).toBe(DUMPED_STATES);
    // ESTABLISHED, LISTEN, CLOSE_WAIT... in; TIME_WAIT, SYN_RECV, NEW_SYN_RECV (inode 0) out.
    for (const s of [1, 2, 4, 5, 7, 8, 9, 10, 11]) expect(DUMPED_STATES & (1 << s)).not.toBe(0);
    for (const s of [3, 6, 12]) expect(DUMPED_STATES & (1 << s)).toBe(0);
  });
});

describe('parseDumpChunk', () => {
  it('turns inet_diag_msg into /proc/net/tcp-style rows (ports big-endian, uid and inode host order)', () => {
    const chunk = parseDumpChunk(Buffer.concat([diagMsg(7, v4), diagMsg(7, v6)]), 7);
    expect(chunk).toEqual({
      done: false,
      malformed: 0,
      rows: [
        { proto: 'tcp', localAddr: '127.0.0.1', localPort: 43210, remoteAddr: '10.1.2.3', remotePort: 8080, state: 'ESTABLISHED', uid: 1000, inode: 555 },
        { proto: 'tcp6', localAddr: '::1', localPort: 22, remoteAddr: '::', remotePort: 0, state: 'LISTEN', uid: 0, inode: 777 },
      ],
    });
  });

  it('prints IPv4-mapped peers of a dual-stack socket as /proc does', () => {
    const { rows } = parseDumpChunk(diagMsg(1, { ...v6, state: 1, dst: mapped, dport: 80 }), 1);
    expect(rows[0]).toMatchObject({ proto: 'tcp6', remoteAddr: '::ffff:127.0.0.1', remotePort: 80 });
  });

  it('ends at NLMSG_DONE and reports NLMSG_ERROR with its errno', () => {
    expect(parseDumpChunk(Buffer.concat([diagMsg(3, v4), control(3, 3)]), 3)).toMatchObject({ done: true, rows: [{ inode: 555 }] });
    expect(parseDumpChunk(control(3, 2, -22), 3)).toMatchObject({ done: true, errno: -22, rows: [] });
  });

  it('ignores messages of another dump (a late answer to one given up on)', () => {
    const chunk = parseDumpChunk(Buffer.concat([diagMsg(2, v4), control(2, 3), diagMsg(9, v6)]), 9);
    expect(chunk).toMatchObject({ done: false, malformed: 0, rows: [{ inode: 777 }] });
  });

  it('counts what cannot be framed or is too short, and never reads past the datagram', () => {
    const good = diagMsg(4, v4);
    const lying = Buffer.from(good);
    lying.writeUInt32LE(4096, 0); // claims more than the datagram holds
    expect(parseDumpChunk(Buffer.concat([good, lying]), 4)).toMatchObject({ malformed: 1, rows: [{ inode: 555 }] });
    const short = Buffer.alloc(24);
    short.writeUInt32LE(24, 0);
    short.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
    short.writeUInt32LE(4, 8);
    expect(parseDumpChunk(short, 4)).toMatchObject({ malformed: 1, rows: [] });
    const unknownFamily = diagMsg(4, { ...v4, family: 1 });
    expect(parseDumpChunk(unknownFamily, 4)).toMatchObject({ malformed: 1, rows: [] });
    expect(parseDumpChunk(Buffer.alloc(3), 4)).toMatchObject({ malformed: 0, rows: [], done: false });
    const zeroLen = Buffer.alloc(16);
    expect(parseDumpChunk(zeroLen, 4)).toMatchObject({ malformed: 1 });
  });
});
