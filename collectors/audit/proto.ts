import { NLMSG_HDRLEN, nlmsgAlign } from '../shared/nlmsg.js';

/**
 * The kernel audit netlink protocol (linux/audit.h), the parts vigil uses:
 * status get/set, rule list/add/delete, and the framing of the records the
 * kernel sends. Pure encoding and decoding; the socket is in control.ts.
 */
export const NETLINK_AUDIT = 9;
/** The read-only multicast group (CAP_AUDIT_READ) that gets a copy of every record. */
export const AUDIT_NLGRP_READLOG = 1;

export const AUDIT_GET = 1000;
export const AUDIT_SET = 1001;
export const AUDIT_ADD_RULE = 1011;
export const AUDIT_DEL_RULE = 1012;
export const AUDIT_LIST_RULES = 1013;
/** Records of one syscall event: 1300..1399 (SYSCALL, PATH, CWD, EXECVE, SOCKADDR, EOE, PROCTITLE...). */
export const AUDIT_FIRST_EVENT = 1300;
export const AUDIT_LAST_EVENT = 1399;
export const AUDIT_SYSCALL = 1300;
export const AUDIT_PATH = 1302;
export const AUDIT_SOCKADDR = 1306;
export const AUDIT_CWD = 1307;
export const AUDIT_EXECVE = 1309;
export const AUDIT_EOE = 1320;
export const AUDIT_PROCTITLE = 1327;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;

export const AUDIT_STATUS_ENABLED = 0x1;
export const AUDIT_STATUS_PID = 0x4;
export const AUDIT_STATUS_RATE_LIMIT = 0x08;
export const AUDIT_STATUS_BACKLOG_LIMIT = 0x10;

/** audit_status.enabled: 2 is "locked" (`auditctl -e 2`), immutable until reboot. */
export const AUDIT_LOCKED = 2;

export const AUDIT_FILTER_EXIT = 0x04;
export const AUDIT_ALWAYS = 2;
export const AUDIT_PID = 0;
export const AUDIT_ARCH = 11;
export const AUDIT_FILTERKEY = 210;
export const AUDIT_EQUAL = 0x40000000;
export const AUDIT_NOT_EQUAL = 0x30000000;
const AUDIT_BITMASK_SIZE = 64;
const AUDIT_MAX_FIELDS = 64;
/** flags, action, field_count, mask[64], fields[64], values[64], fieldflags[64], buflen. */
const RULE_HEADER_BYTES = 4 * (3 + AUDIT_BITMASK_SIZE + 3 * AUDIT_MAX_FIELDS + 1);

export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly payload: Buffer;
}

/** One netlink message: header + payload (padded). */
export function encodeMessage(type: number, flags: number, seq: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const buf = Buffer.alloc(nlmsgAlign(len));
  buf.writeUInt32LE(len, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(0, 12);
  payload.copy(buf, NLMSG_HDRLEN);
  return buf;
}

/** Types from here up are records (user 1100.., kernel 1300.., AVC 1400..); below are control replies. */
const AUDIT_FIRST_RECORD = 1100;

/**
 * The messages of one datagram. A header whose length runs past the
 * datagram ends the walk and counts as malformed.
 *
 * Records are the exception: the kernel sends each in a datagram of its
 * own with `nlmsg_len` set to the length of the text alone, header not
 * included (a historical quirk auditd relies on, so it stays). Taken as a
 * normal header it would cut 16 bytes off every record.
 */
export function splitMessages(buf: Buffer): { messages: NlMessage[]; malformed: number } {
  const messages: NlMessage[] = [];
  if (buf.length >= NLMSG_HDRLEN && buf.readUInt16LE(4) >= AUDIT_FIRST_RECORD) {
    const len = buf.readUInt32LE(0);
    return {
      messages: [
        { type: buf.readUInt16LE(4), flags: buf.readUInt16LE(6), seq: buf.readUInt32LE(8), pid: buf.readUInt32LE(12), payload: buf.subarray(NLMSG_HDRLEN, Math.min(buf.length, NLMSG_HDRLEN + len)) },
      ],
      malformed: 0,
    };
  }
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) return { messages, malformed: 1 };
    messages.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += nlmsgAlign(len);
  }
  return { messages, malformed: 0 };
}

/** NLMSG_ERROR's payload: the (negative) errno, 0 for an ack. */
export function errorCode(payload: Buffer): number {
  return payload.length >= 4 ? payload.readInt32LE(0) : -1;
}

export interface AuditStatusWire {
  readonly enabled: number;
  readonly failure: number;
  readonly pid: number;
  readonly rateLimit: number;
  readonly backlogLimit: number;
  readonly lost: number;
  readonly backlog: number;
}

/** struct audit_status, as far as the kernel sent it (older kernels send fewer fields). */
export function decodeStatus(p: Buffer): AuditStatusWire {
  const u = (i: number): number => (p.length >= (i + 1) * 4 ? p.readUInt32LE(i * 4) : 0);
  return { enabled: u(1), failure: u(2), pid: u(3), rateLimit: u(4), backlogLimit: u(5), lost: u(6), backlog: u(7) };
}

/** An AUDIT_SET payload changing only what `mask` names. */
export function encodeStatusSet(mask: number, v: { enabled?: number; pid?: number; rateLimit?: number; backlogLimit?: number }): Buffer {
  const b = Buffer.alloc(11 * 4);
  b.writeUInt32LE(mask, 0);
  b.writeUInt32LE(v.enabled ?? 0, 4);
  b.writeUInt32LE(v.pid ?? 0, 12);
  b.writeUInt32LE(v.rateLimit ?? 0, 16);
  b.writeUInt32LE(v.backlogLimit ?? 0, 20);
  return b;
}

/** struct audit_rule_data, decoded to what vigil needs to recognise its own rules. */
export interface AuditRuleWire {
  readonly filter: number;
  readonly action: number;
  readonly syscalls: readonly number[];
  readonly fields: readonly { readonly field: number; readonly op: number; readonly value: number; readonly str?: string }[];
  /** The rule's key (`-k`), when it has one. */
  readonly key?: string;
  /** The payload as the kernel sent it: AUDIT_DEL_RULE takes it back unchanged. */
  readonly raw: Buffer;
}

/** Fields whose value is a string in `buf` (value = its length): SELinux subj/obj, watch, dir, exe, key. */
const STRING_FIELDS = new Set([13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, AUDIT_FILTERKEY]);

export function decodeRule(p: Buffer): AuditRuleWire | undefined {
  if (p.length < RULE_HEADER_BYTES) return undefined;
  const flags = p.readUInt32LE(0);
  const action = p.readUInt32LE(4);
  const count = Math.min(p.readUInt32LE(8), AUDIT_MAX_FIELDS);
  const syscalls: number[] = [];
  for (let w = 0; w < AUDIT_BITMASK_SIZE; w++) {
    const word = p.readUInt32LE(12 + w * 4);
    if (word === 0) continue;
    for (let bit = 0; bit < 32; bit++) if (word & (1 << bit)) syscalls.push(w * 32 + bit);
  }
  const fieldsAt = 12 + AUDIT_BITMASK_SIZE * 4;
  const valuesAt = fieldsAt + AUDIT_MAX_FIELDS * 4;
  const flagsAt = valuesAt + AUDIT_MAX_FIELDS * 4;
  const buflen = p.readUInt32LE(flagsAt + AUDIT_MAX_FIELDS * 4);
  let strAt = RULE_HEADER_BYTES;
  const fields: { field: number; op: number; value: number; str?: string }[] = [];
  let key: string | undefined;
  for (let i = 0; i < count; i++) {
    const field = p.readUInt32LE(fieldsAt + i * 4);
    const value = p.readUInt32LE(valuesAt + i * 4);
    const op = p.readUInt32LE(flagsAt + i * 4);
    if (STRING_FIELDS.has(field) && strAt + value <= p.length && strAt + value <= RULE_HEADER_BYTES + buflen) {
      const str = p.toString('utf8', strAt, strAt + value);
      strAt += value;
      fields.push({ field, op, value, str });
      if (field === AUDIT_FILTERKEY) key = str;
    } else {
      fields.push({ field, op, value });
    }
  }
  return { filter: flags & 0x07, action, syscalls, fields, ...(key !== undefined ? { key } : {}), raw: Buffer.from(p) };
}

/** An exit-filter, always-audit rule: these syscalls, on this arch, any process but `excludePid`, with `key`. */
export function encodeSyscallRule(opts: { arch: number; syscalls: readonly number[]; excludePid: number; key: string }): Buffer {
  const key = Buffer.from(opts.key, 'utf8');
  const b = Buffer.alloc(RULE_HEADER_BYTES + key.length);
  b.writeUInt32LE(AUDIT_FILTER_EXIT, 0);
  b.writeUInt32LE(AUDIT_ALWAYS, 4);
  for (const nr of opts.syscalls) {
    if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32) continue;
    const at = 12 + Math.floor(nr / 32) * 4;
    b.writeUInt32LE((b.readUInt32LE(at) | (1 << (nr % 32))) >>> 0, at);
  }
  const fields: [number, number, number][] = [
    [AUDIT_ARCH, AUDIT_EQUAL, opts.arch],
    [AUDIT_PID, AUDIT_NOT_EQUAL, opts.excludePid],
    [AUDIT_FILTERKEY, AUDIT_EQUAL, key.length],
  ];
  b.writeUInt32LE(fields.length, 8);
  const fieldsAt = 12 + AUDIT_BITMASK_SIZE * 4;
  const valuesAt = fieldsAt + AUDIT_MAX_FIELDS * 4;
  const flagsAt = valuesAt + AUDIT_MAX_FIELDS * 4;
  fields.forEach(([field, op, value], i) => {
    b.writeUInt32LE(field, fieldsAt + i * 4);
    b.writeUInt32LE(value >>> 0, valuesAt + i * 4);
    b.writeUInt32LE(op >>> 0, flagsAt + i * 4);
  });
  b.writeUInt32LE(key.length, flagsAt + AUDIT_MAX_FIELDS * 4);
  key.copy(b, RULE_HEADER_BYTES);
  return b;
}
