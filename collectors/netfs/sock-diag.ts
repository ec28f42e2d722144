import type { SocketProto } from '../model.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, nlmsgAlign } from '../shared/nlmsg.js';
import { formatIpv6, TCP_STATES, type NetRow } from './parse-net.js';

/**
 * The wire format of NETLINK_SOCK_DIAG's TCP dump (linux/inet_diag.h,
 * linux/sock_diag.h), as pure functions: the request and the parsing of the
 * replies into the same rows /proc/net/tcp{,6} gives.
 *
 * Why: reading /proc/<pid>/net/tcp walks the kernel's whole established
 * hash with a reschedule check per bucket and prints every socket as text,
 * whatever the number of sockets in the netns, and tcp6 walks it again.
 * The same dump over sock_diag costs about a tenth of one such read for
 * both families (bench/RESULTS.md, unit costs).
 */

export const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
export const AF_INET = 2;
export const AF_INET6 = 10;
const IPPROTO_TCP = 6;

const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH

/** sizeof(struct inet_diag_req_v2): family, protocol, ext, pad, states, inet_diag_sockid (48). */
const REQ_LEN = 56;
/** sizeof(struct inet_diag_msg): family, state, timer, retrans, sockid (48), expires, rqueue, wqueue, uid, inode. */
const MSG_LEN = 72;

/**
 * Every state but TIME_WAIT (6), SYN_RECV (3) and NEW_SYN_RECV (12): those
 * are sockets no process holds (inode 0 in /proc/net/tcp), which the socket
 * table never keeps, so the kernel need not send them.
 */
export const DUMPED_STATES = 0x1fff & ~((1 << 6) | (1 << 3) | (1 << 12));

/** A dump request for every TCP socket of one family in the socket's netns. */
export function buildTcpDumpRequest(family: typeof AF_INET | typeof AF_INET6, seq: number): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + REQ_LEN);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  // nlmsg_pid 0: the kernel fills in the sender.
  b.writeUInt8(family, 16);
  b.writeUInt8(IPPROTO_TCP, 17);
  b.writeUInt32LE(DUMPED_STATES, 20);
  return b;
}

export interface DumpChunk {
  readonly rows: NetRow[];
  /** NLMSG_DONE for this dump was in the datagram. */
  readonly done: boolean;
  /** The kernel's error (negative errno) for this dump, if it sent one. */
  readonly errno?: number;
  /** Messages of this dump that were too short to hold what they claim. */
  readonly malformed: number;
}

/**
 * Parses one datagram of replies. Messages of another sequence number
 * (a late answer to a dump given up on) are ignored.
 */
export function parseDumpChunk(buf: Buffer, seq: number): DumpChunk {
  const rows: NetRow[] = [];
  let malformed = 0;
  for (let o = 0; o + NLMSG_HDRLEN <= buf.length; ) {
    const len = buf.readUInt32LE(o);
    const type = buf.readUInt16LE(o + 4);
    const msgSeq = buf.readUInt32LE(o + 8);
    if (len < NLMSG_HDRLEN || o + len > buf.length) {
      malformed++;
      break; // the length cannot be trusted: nothing after it can be framed
    }
    if (msgSeq === seq >>> 0) {
      if (type === NLMSG_DONE) return { rows, done: true, malformed };
      if (type === NLMSG_ERROR) {
        const errno = len >= NLMSG_HDRLEN + 4 ? buf.readInt32LE(o + NLMSG_HDRLEN) : -1;
        return { rows, done: true, errno, malformed };
      }
      if (type === SOCK_DIAG_BY_FAMILY) {
        const row = len >= NLMSG_HDRLEN + MSG_LEN ? parseDiagMsg(buf, o + NLMSG_HDRLEN) : undefined;
        if (row) rows.push(row);
        else malformed++;
      }
    }
    o += nlmsgAlign(len);
  }
  return { rows, done: false, malformed };
}

/** One struct inet_diag_msg at `at` as a /proc/net/tcp-style row; undefined for an unknown family. */
function parseDiagMsg(b: Buffer, at: number): NetRow | undefined {
  const family = b.readUInt8(at);
  const proto: SocketProto | undefined = family === AF_INET ? 'tcp' : family === AF_INET6 ? 'tcp6' : undefined;
  if (!proto) return undefined;
  const id = at + 4; // struct inet_diag_sockid: sport, dport (big-endian), src[16], dst[16], if, cookie
  return {
    proto,
    localAddr: formatAddress(b, id + 4, family),
    localPort: b.readUInt16BE(id),
    remoteAddr: formatAddress(b, id + 20, family),
    remotePort: b.readUInt16BE(id + 2),
    state: TCP_STATES[b.readUInt8(at + 1)] ?? 'UNKNOWN',
    uid: b.readUInt32LE(at + 64),
    inode: b.readUInt32LE(at + 68),
  };
}

function formatAddress(b: Buffer, at: number, family: number): string {
  if (family === AF_INET) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  return formatIpv6(b.subarray(at, at + 16));
}
