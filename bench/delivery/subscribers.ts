/**
 * Subscribers for the delivery benchmark, in their own process (the other
 * core): `subscribers.ts ADDR N [--paused] [--compact]`. Counts envelopes per
 * response by walking the SubscribeResponse's top-level fields (tag, length,
 * skip), so the client's own decoding does not limit what the agent is
 * measured at; on a COMPACT stream the schema envelopes are not counted (they
 * are not agent events).
 * Prints `{"ready":N}` once every stream is open, then `{"received":[...]}`
 * whenever asked with a line on stdin.
 */
import * as grpc from '@grpc/grpc-js';
import { createInterface } from 'node:readline';
import { SUBSCRIBE_PATH, SubscribeRequestType } from '../../agent/delivery/wire.js';

const [addr, nText] = process.argv.slice(2);
const paused = process.argv.includes('--paused');
const compact = process.argv.includes('--compact');
const request = compact ? Buffer.from(SubscribeRequestType.encode({ encoding: 1 }).finish()) : Buffer.alloc(0);
const n = Number(nText ?? 1);

function varint(b: Buffer, at: { i: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at.i++]!;
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return v;
    shift += 7;
  }
}

/** Envelope field 18 (alert_schema) among the fields of b[start, end). */
function isSchema(b: Buffer, start: number, end: number): boolean {
  const at = { i: start };
  while (at.i < end) {
    const tag = varint(b, at);
    if (tag >>> 3 === 18) return true;
    const wire = tag & 7;
    if (wire === 0) varint(b, at);
    else if (wire === 1) at.i += 8;
    else if (wire === 5) at.i += 4;
    else {
      const len = varint(b, at); // read before adding: `at.i += varint(...)` would add to the old position
      at.i += len;
    }
  }
  return false;
}

/** Envelopes in one SubscribeResponse: field 1 (length-delimited) repeated. */
function countEnvelopes(b: Buffer): number {
  let count = 0;
  const at = { i: 0 };
  while (at.i < b.length) {
    at.i++; // tag 0x0a
    const len = varint(b, at);
    if (!compact || !isSchema(b, at.i, at.i + len)) count++;
    at.i += len;
  }
  return count;
}

const received = new Array<number>(n).fill(0);
const clients: grpc.Client[] = [];
let ready = 0;
for (let s = 0; s < n; s++) {
  // One channel each: subscribers on separate connections, as separate clients would be.
  const client = new grpc.Client(addr!, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  clients.push(client);
  const call = client.makeServerStreamRequest(
    SUBSCRIBE_PATH,
    () => request,
    (b: Buffer) => b,
    {},
  );
  call.on('metadata', () => {
    if (++ready === n) process.stdout.write(`${JSON.stringify({ ready })}\n`);
  });
  call.on('data', (b: Buffer) => {
    received[s]! += countEnvelopes(b);
  });
  call.on('error', () => undefined);
  if (paused) call.pause();
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exit') break;
  process.stdout.write(`${JSON.stringify({ received })}\n`);
}
for (const c of clients) c.close();
process.exit(0);
