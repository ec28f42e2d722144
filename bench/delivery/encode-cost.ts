/** CPU per envelope for publishing and encoding alone (no gRPC): `node --import tsx bench/delivery/encode-cost.ts [--compact]`. */
import { Registry } from 'prom-client';
import { createHub } from '../../agent/delivery/hub.js';
import { compactEncoder, fullEncoder } from '../../agent/delivery/compact.js';
import type { Envelope } from '../../agent/delivery/envelope.js';
import { realAlerts } from './alerts.js';

const alerts = realAlerts(2_000);
// One stream's encoder, as one subscriber of that encoding has.
const encode = process.argv.includes('--compact') ? compactEncoder() : fullEncoder();
const hub = createHub({ registry: new Registry(), errors: { report: () => undefined } }, { node: 'node-1', ringSize: 10_000 });
let batch: Envelope[] = [];
let bytes = 0;
hub.addSink({
  deliver: (e) => {
    batch.push(e);
    if (batch.length === 256) {
      bytes += encode(batch).length;
      batch = [];
    }
  },
});
for (let round = 0; round < 8; round++) {
  const c0 = process.cpuUsage();
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const a = alerts[i % alerts.length]!;
    hub.publishAlert(a.alert, a.event, a.layout);
  }
  const c = process.cpuUsage(c0);
  const us = c.user + c.system;
  // CPU time, not wall time: on a shared machine the wall clock measures the neighbours.
  console.log(`${(us / n).toFixed(2)} µs of CPU per envelope (publish + encode), ${(n / (us / 1e6)).toFixed(0)}/s of CPU, ${(bytes / (n * (round + 1))).toFixed(0)} B each`);
}
