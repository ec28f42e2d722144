/**
 * Subscribers for the delivery benchmark, in their own process (the other
 * core): `subscribers.ts ADDR N [--paused]`. Counts envelopes per response
 * by walking the SubscribeResponse's top-level fields (tag, length, skip),
 * so the client's own decoding does not limit what the agent is measured at.
 * Prints `{"ready":N}` once every stream is open, then `{"received":[...]}`
 * whenever asked with a line on stdin.
 */
import * as grpc from '@grpc/grpc-js';
import { createInterface } from 'node:readline';
import { SUBSCRIBE_PATH } from '../../agent/delivery/wire.js';

const [addr, nText] = process.argv.slice(2);
const paused = process.argv.includes('--paused');
const n = Number(nText ?? 1);

/** Envelopes in one SubscribeResponse: field 1 (length-delimited) repeated. */
function countEnvelopes(b: Buffer): number {
  let count = 0;
  let i = 0;
  while (i < b.length) {
    i++; // tag 0x0a
    let len = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++]!;
      len += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
    }
    i += len;
    count++;
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
    () => Buffer.alloc(0),
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
