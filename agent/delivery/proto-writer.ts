/**
 * A protobuf writer for the hot paths (alert-encoder.ts, compact.ts): writes
 * fields straight into one reusable buffer, without the operation objects
 * protobufjs's Writer allocates per field. `begin` starts a message, `bytes`
 * copies it out; nested messages are `open`ed and `close`d. Not re-entrant:
 * one message at a time (all callers are synchronous).
 */

let buf = Buffer.allocUnsafe(64 * 1024);
let pos = 0;

export function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const next = Buffer.allocUnsafe(size);
  buf.copy(next, 0, 0, pos);
  buf = next;
}

export function varint(v: number): void {
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

export function tag(field: number, wire: number): void {
  varint(field * 8 + wire);
}

/** A string field; an empty one is left out (proto3's default) unless `always` (elements of a repeated field). */
export function str(field: number, s: string, always = false): void {
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
export function open(field: number): number {
  ensure(16);
  tag(field, 2);
  const at = pos;
  pos += 4; // room for a length up to 2^28
  return at;
}

export function close(at: number): void {
  const start = at + 4;
  const n = pos - start;
  writeLengthAt(at, start, n);
}

export function u64Fixed(field: number, v: bigint): void {
  if (v === 0n) return;
  ensure(9);
  tag(field, 1);
  buf.writeBigUInt64LE(BigInt.asUintN(64, v), pos);
  pos += 8;
}

export function uint(field: number, v: number): void {
  if (v === 0) return;
  ensure(20);
  tag(field, 0);
  varint(v);
}

export function value(v: string | number | boolean | null): void {
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

/** Starts a message at the start of the buffer. */
export function begin(): void {
  pos = 0;
}

/** A copy of the message written since `begin`. */
export function bytes(): Buffer {
  return Buffer.from(buf.subarray(0, pos));
}
