import type { Envelope } from './envelope.js';

/**
 * A direct encoder for the envelopes that flow at volume (alerts and loss
 * notices): protobufjs's Writer allocates an operation object per field and
 * the message objects it encodes from, which measured as most of the cost of
 * delivering an alert (GC included). This writes the same bytes straight
 * into one reusable buffer. The field numbers are those of
 * proto/vigil/v1/envelope.proto; a unit test decodes its output with
 * protobufjs against that file and compares it with the generic encoder's
 * (wire.ts) for real alerts and hostile strings, so the two cannot drift.
 */

/** vigil.v1.Priority by upper-cased Falco priority text. */
const PRIORITY: Readonly<Record<string, number>> = {
  DEBUG: 1,
  INFORMATIONAL: 2,
  INFO: 2,
  NOTICE: 3,
  WARNING: 4,
  ERROR: 5,
  CRITICAL: 6,
  ALERT: 7,
  EMERGENCY: 8,
};
/** The engine's own spelling (Falco's capitalization), looked up without building an upper-cased copy. */
const CAPITALIZED: ReadonlyMap<string, number> = new Map(Object.entries(PRIORITY).map(([k, v]) => [k[0] + k.slice(1).toLowerCase(), v] as const));

/** The Priority enum value of a Falco priority text, any case (0 when unknown). */
export function priorityNumber(text: string): number {
  return CAPITALIZED.get(text) ?? PRIORITY[text.toUpperCase()] ?? 0;
}

let buf = Buffer.allocUnsafe(64 * 1024);
let pos = 0;

function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const next = Buffer.allocUnsafe(size);
  buf.copy(next, 0, 0, pos);
  buf = next;
}

function varint(v: number): void {
  // v is a non-negative integer below 2^64 (exact below 2^53).
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
}

function bigVarint(v: bigint): void {
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
}

function tag(field: number, wire: number): void {
  varint(field * 8 + wire);
}

/** A string field; an empty one is left out (proto3's default) unless `always` (elements of a repeated field). */
function str(field: number, s: string, always = false): void {
  if (s.length === 0 && !always) return;
  // Worst case 3 bytes per UTF-16 unit, plus tag and length.
  ensure(s.length * 3 + 10);
  tag(field, 2);
  const len = s.length;
  // Short ASCII (field names, most values) is copied by hand: cheaper than a call into the native encoder.
  if (len < 0x80) {
    let i = 0;
    const start = pos + 1;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    if (i === len) {
      buf[pos] = len;
      pos = start + len;
      return;
    }
  }
  const max = len * 3;
  // Reserve the length's varint for the worst case, then close the gap if shorter.
  const lenBytes = max < 0x80 ? 1 : max < 0x4000 ? 2 : max < 0x200000 ? 3 : 4;
  const start = pos + lenBytes;
  const n = buf.write(s, start, 'utf8');
  writeLengthAt(pos, start, n);
}

/** Writes `n`'s varint at `at`, before content that starts at `start`; moves the content back if the varint is shorter than the room left. */
function writeLengthAt(at: number, start: number, n: number): void {
  pos = at;
  varint(n);
  if (pos !== start) buf.copyWithin(pos, start, start + n);
  pos += n;
}

/** Opens a length-delimited field; returns what `close` needs. */
function open(field: number): number {
  ensure(16);
  tag(field, 2);
  const at = pos;
  pos += 4; // room for a length up to 2^28
  return at;
}

function close(at: number): void {
  const start = at + 4;
  const n = pos - start;
  writeLengthAt(at, start, n);
}

function u64Fixed(field: number, v: bigint): void {
  if (v === 0n) return;
  ensure(9);
  tag(field, 1);
  buf.writeBigUInt64LE(BigInt.asUintN(64, v), pos);
  pos += 8;
}

function uint(field: number, v: number): void {
  if (v === 0) return;
  ensure(20);
  tag(field, 0);
  varint(v);
}

function value(v: string | number | boolean | null): void {
  if (v === null) return;
  if (typeof v === 'string') str(1, v);
  else if (typeof v === 'boolean') {
    ensure(2);
    tag(4, 0);
    buf[pos++] = v ? 1 : 0;
  } else if (Number.isSafeInteger(v)) {
    ensure(12);
    tag(2, 0);
    // zigzag (sint64); beyond 2^51 the doubled value is no longer exact in a double
    if (v > -(2 ** 51) && v < 2 ** 51) varint(v >= 0 ? v * 2 : -v * 2 - 1);
    else bigVarint(v >= 0 ? BigInt(v) * 2n : -BigInt(v) * 2n - 1n);
  } else {
    ensure(9);
    tag(3, 1);
    buf.writeDoubleLE(v, pos);
    pos += 8;
  }
}

/** The Envelope's bytes for kind 'alert' or 'loss'; undefined for other kinds (the generic encoder does those). */
export function encodeAlertOrLoss(env: Envelope): Uint8Array | undefined {
  if (env.kind === 'alert' ? env.alert === undefined : env.kind !== 'loss' || env.loss === undefined) return undefined;
  pos = 0;
  str(1, env.node);
  str(2, env.bootId);
  uint(3, env.sequence);
  u64Fixed(4, env.timeNs);
  str(5, env.eventId);
  if (env.kind === 'alert') {
    const a = env.alert!;
    const at = open(16);
    str(1, a.time);
    str(2, a.rule);
    uint(3, priorityNumber(a.priority));
    str(4, a.priority);
    str(5, a.output);
    const fields = a.output_fields;
    for (const k in fields) {
      const entry = open(6);
      str(1, k);
      const v = fields[k]!;
      // A map value is always written, even Falco's null (an empty Value), so the key survives.
      const val = open(2);
      value(v);
      close(val);
      close(entry);
    }
    str(7, a.hostname);
    str(8, a.source);
    for (const t of a.tags) str(9, t, true);
    close(at);
  } else {
    const l = env.loss!;
    const at = open(17);
    uint(1, l.firstSequence);
    uint(2, l.lastSequence);
    uint(3, l.count);
    str(4, l.reason);
    close(at);
  }
  return Buffer.from(buf.subarray(0, pos));
}
