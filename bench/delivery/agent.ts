/**
 * The agent's side of the delivery benchmark, in its own process (pinned to
 * one core by run.ts): the real hub and gRPC server, fed real alerts as fast
 * as the subscribers take them. Reads one JSON command per line on stdin,
 * answers one JSON line on stdout.
 *
 *   {"cmd":"run","count":N,"fast":F}  publish N alerts, pacing on what F fast
 *                                     subscribers were sent; answer with CPU
 *                                     and wall time once all was written
 *   {"cmd":"exit"}
 */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHub } from '../../agent/delivery/hub.js';
import { createGrpcServer } from '../../agent/grpc/server.js';
import { realAlerts } from './alerts.js';

const maxQueue = Number(process.argv[2] ?? 10_000);
const registry = new Registry();
const deps = { log: pino({ level: 'warn' }), registry, errors: { report: (c: string, s: string, e: unknown) => console.error(c, s, e) } };
const hub = createHub(deps, { node: 'node-1', ringSize: 10_000 });
const server = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue });
const alerts = realAlerts(2_000);
await server.start(new AbortController().signal);
process.stdout.write(`${JSON.stringify({ port: server.address()!.port })}\n`);

const metricValue = async (name: string): Promise<number> => {
  const m = registry.getSingleMetric(name);
  return m ? (await m.get()).values.reduce((n, v) => n + v.value, 0) : 0;
};
const CHUNK = 500;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const nap = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

async function run(count: number, fast: number): Promise<Record<string, number>> {
  const sent0 = await metricValue('vigil_grpc_sent_total');
  const dropped0 = await metricValue('vigil_grpc_subscriber_dropped_total');
  // Keep at most half a queue in flight per fast subscriber, so they never drop.
  const window = Math.floor(maxQueue / 2);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let published = 0;
  let i = 0;
  while (published < count) {
    const sent = (await metricValue('vigil_grpc_sent_total')) - sent0;
    const n = Math.floor(Math.min(CHUNK, count - published, Math.max(0, window - (published - sent / fast))));
    for (let k = 0; k < n; k++) {
      const a = alerts[i++ % alerts.length]!;
      hub.publishAlert(a.alert, a.event, a.layout);
    }
    published += n;
    // Ahead of the subscribers: sleep a little rather than spin (spinning would be counted as delivery CPU).
    await (n === 0 ? nap() : turn());
  }
  while ((await metricValue('vigil_grpc_sent_total')) - sent0 < count * fast) await nap();
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return {
    published,
    wallMs: wallNs / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    sent: (await metricValue('vigil_grpc_sent_total')) - sent0,
    dropped: (await metricValue('vigil_grpc_subscriber_dropped_total')) - dropped0,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { cmd: string; count?: number; fast?: number };
  if (cmd.cmd === 'exit') break;
  if (cmd.cmd === 'run') process.stdout.write(`${JSON.stringify(await run(cmd.count!, cmd.fast!))}\n`);
}
await server.stop();
process.exit(0);
