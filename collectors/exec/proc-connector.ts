/**
 * Wire format of the kernel's process events connector (linux/connector.h,
 * linux/cn_proc.h). Everything is in host byte order; the kernel sends one
 * datagram per event but netlink allows several messages per datagram, so
 * the parser walks nlmsghdr by nlmsghdr.
 *
 *   struct nlmsghdr  { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }          16 bytes
 *   struct cn_msg    { u32 idx; u32 val; u32 seq; u32 ack; u16 len; u16 flags; }  20 bytes
 *   struct proc_event { u32 what; u32 cpu; u64 timestamp_ns (aligned 8); union }  16 + union
 */
import { endianness } from 'node:os';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN, nlmsgAlign } from '../shared/nlmsg.js';

export const NETLINK_CONNECTOR = 11;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;

const CN_MSG_LEN = 20;

export const PROC_EVENT_NONE = 0x0;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_EXIT = 0x80000000;

/** Offset of the union inside proc_event (after what, cpu, timestamp_ns). */
const EVENT_DATA = 16;

export type ProcConnectorEvent =
  | { readonly what: 'ack'; readonly err: number; readonly seq: number; readonly ack: number; readonly timestampNs: bigint }
  | {
      readonly what: 'fork';
      readonly timestampNs: bigint;
      readonly parentPid: number;
      readonly parentTgid: number;
      readonly childPid: number;
      readonly childTgid: number;
    }
  | { readonly what: 'exec'; readonly timestampNs: bigint; readonly pid: number; readonly tgid: number }
  | {
      readonly what: 'exit';
      readonly timestampNs: bigint;
      readonly pid: number;
      readonly tgid: number;
      /** The wait(2) status: exit code << 8 | terminating signal. */
      readonly exitStatus: number;
      readonly exitSignal: number;
      /** 0 on kernels older than 4.x that did not report the parent. */
      readonly parentPid: number;
      readonly parentTgid: number;
    };

export interface ParsedDatagram {
  readonly events: ProcConnectorEvent[];
  /** Messages of event types we ignore (uid, gid, sid, comm, ptrace, coredump, unknown). */
  readonly ignored: number;
  /** Messages cut short (the datagram ended inside them) or with impossible lengths. */
  readonly malformed: number;
  /** NLMSG_OVERRUN / NLMSG_ERROR messages from the kernel. */
  readonly overruns: number;
}

const LE = endianness() === 'LE';

function u32(b: Buffer, o: number): number {
  return LE ? b.readUInt32LE(o) : b.readUInt32BE(o);
}
function i32(b: Buffer, o: number): number {
  return LE ? b.readInt32LE(o) : b.readInt32BE(o);
}
function u16(b: Buffer, o: number): number {
  return LE ? b.readUInt16LE(o) : b.readUInt16BE(o);
}
function u64(b: Buffer, o: number): bigint {
  return LE ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
}

/** The minimum bytes of the union each event needs to be read safely. */
const NEEDS: Readonly<Record<number, number>> = {
  [PROC_EVENT_NONE]: 4,
  [PROC_EVENT_FORK]: 16,
  [PROC_EVENT_EXEC]: 8,
  // Kernels before 4.x had no parent fields (16 bytes); read those as 0.
  [PROC_EVENT_EXIT]: 16,
};

/**
 * Parse one datagram received on a NETLINK_CONNECTOR socket. Never throws:
 * bytes that do not make a complete message are counted as malformed.
 */
export function parseDatagram(buf: Buffer): ParsedDatagram {
  const events: ProcConnectorEvent[] = [];
  let ignored = 0;
  let malformed = 0;
  let overruns = 0;
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = u32(buf, off);
    const type = u16(buf, off + 4);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      malformed++;
      break;
    }
    if (type === NLMSG_OVERRUN || type === NLMSG_ERROR) overruns++;
    else if (type === NLMSG_NOOP) ignored++;
    else {
      const r = parseCnMsg(buf, off + NLMSG_HDRLEN, off + len);
      if (r === 'malformed') malformed++;
      else if (r === 'ignored') ignored++;
      else events.push(r);
    }
    off += nlmsgAlign(len);
  }
  // Trailing bytes too short for a header (the loop did not break): truncated.
  if (off < buf.length && off + NLMSG_HDRLEN > buf.length) malformed++;
  return { events, ignored, malformed, overruns };
}

function parseCnMsg(buf: Buffer, start: number, end: number): ProcConnectorEvent | 'ignored' | 'malformed' {
  if (start + CN_MSG_LEN > end) return 'malformed';
  const idx = u32(buf, start);
  const val = u32(buf, start + 4);
  if (idx !== CN_IDX_PROC || val !== CN_VAL_PROC) return 'ignored';
  const seq = u32(buf, start + 8);
  const ack = u32(buf, start + 12);
  const dataLen = u16(buf, start + 16);
  const ev = start + CN_MSG_LEN;
  const evEnd = Math.min(end, ev + dataLen);
  if (evEnd - ev < EVENT_DATA) return 'malformed';
  const what = u32(buf, ev);
  const need = NEEDS[what];
  if (need === undefined) return 'ignored';
  if (evEnd - ev < EVENT_DATA + need) return 'malformed';
  const timestampNs = u64(buf, ev + 8);
  const d = ev + EVENT_DATA;
  switch (what) {
    case PROC_EVENT_NONE:
      return { what: 'ack', err: u32(buf, d), seq, ack, timestampNs };
    case PROC_EVENT_FORK:
      return { what: 'fork', timestampNs, parentPid: i32(buf, d), parentTgid: i32(buf, d + 4), childPid: i32(buf, d + 8), childTgid: i32(buf, d + 12) };
    case PROC_EVENT_EXEC:
      return { what: 'exec', timestampNs, pid: i32(buf, d), tgid: i32(buf, d + 4) };
    default: {
      const hasParent = evEnd - d >= 24;
      return {
        what: 'exit',
        timestampNs,
        pid: i32(buf, d),
        tgid: i32(buf, d + 4),
        exitStatus: u32(buf, d + 8),
        exitSignal: i32(buf, d + 12),
        parentPid: hasParent ? i32(buf, d + 16) : 0,
        parentTgid: hasParent ? i32(buf, d + 20) : 0,
      };
    }
  }
}

/**
 * The control message that subscribes (LISTEN) or unsubscribes (IGNORE) the
 * socket's multicast group to process events. The kernel answers with a
 * PROC_EVENT_NONE "ack" event whose cn_msg.ack is our ack + 1 (its seq is the
 * kernel's own counter on recent kernels, so only ack identifies the answer).
 */
export function buildMcastControl(op: number, portId: number, seq: number, ack = 0): Buffer {
  const total = NLMSG_HDRLEN + CN_MSG_LEN + 4;
  const b = Buffer.alloc(total);
  const w32 = (v: number, o: number): void => {
    if (LE) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  };
  const w16 = (v: number, o: number): void => {
    if (LE) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  };
  w32(total, 0);
  w16(NLMSG_DONE, 4);
  w16(0, 6);
  w32(seq, 8);
  w32(portId, 12);
  w32(CN_IDX_PROC, 16);
  w32(CN_VAL_PROC, 20);
  w32(seq, 24);
  w32(ack, 28);
  w16(4, 32);
  w16(0, 34);
  w32(op, 36);
  return b;
}

/**
 * exit_code of the kernel event is a wait(2) status. Shell convention: the
 * code when the process exited, 128 + signal when a signal killed it.
 */
export function exitCodeFromStatus(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}
