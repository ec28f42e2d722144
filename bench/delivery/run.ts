/**
 * Delivery benchmark (issue 9): envelopes per second through gRPC to 1 and
 * to 10 subscribers on loopback (and to 1 COMPACT subscriber), the agent's
 * CPU per 1,000 envelopes, what a slow (paused) subscriber costs the agent
 * against a fast one, and bytes per alert in protobuf (FULL and COMPACT)
 * against JSON. The agent side (agent.ts: the real hub and
 * gRPC server, real alerts from the default rules) runs pinned to CPU 0, the
 * subscribers (subscribers.ts) to CPU 1. Writes bench/delivery/RESULTS.md.
 *
 *   node --import tsx bench/delivery/run.ts [--quick] [--no-write]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { createHub } from '../../agent/delivery/hub.js';
import { compactEncoder } from '../../agent/delivery/compact.js';
import { encodeEnvelope, EnvelopeType } from '../../agent/delivery/wire.js';
import type { Envelope } from '../../agent/delivery/envelope.js';
import { falcoJsonLine } from '../../agent/outputs/alert.js';
import { realAlerts } from './alerts.js';

const here = import.meta.dirname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const write = !args.includes('--no-write') && !quick;
const scale = quick ? 0.1 : 1;

interface Proc {
  child: ChildProcess;
  lines: Interface;
  next(): Promise<Record<string, unknown>>;
  send(line: string): void;
}

function start(cpu: number, script: string, argv: string[]): Proc {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, '--import', 'tsx', join(here, script), ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  return {
    child,
    lines,
    next: () =>
      new Promise((resolve) => {
        const l = queue.shift();
        if (l !== undefined) resolve(JSON.parse(l));
        else waiters.push((x) => resolve(JSON.parse(x)));
      }),
    send: (line) => child.stdin!.write(`${line}\n`),
  };
}

async function stop(p: Proc, line: string): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  p.send(line);
  await exited;
}

interface RunResult {
  published: number;
  wallMs: number;
  cpuMs: number;
  sent: number;
  dropped: number;
  received: number[];
}

/** One scenario: a fresh agent process, `fast` reading subscribers and `paused` ones that never read. */
async function scenario(count: number, fast: number, paused: number, compact = false): Promise<RunResult> {
  const agent = start(0, 'agent.ts', ['10000']);
  const { port } = (await agent.next()) as { port: number };
  const addr = `127.0.0.1:${port}`;
  const subs = [start(1, 'subscribers.ts', [addr, String(fast), ...(compact ? ['--compact'] : [])])];
  if (paused > 0) subs.push(start(1, 'subscribers.ts', [addr, String(paused), '--paused']));
  await Promise.all(subs.map((s) => s.next()));
  // Warm-up: the JIT and the connections, not counted.
  agent.send(JSON.stringify({ cmd: 'run', count: Math.round(20_000 * scale), fast }));
  await agent.next();
  agent.send(JSON.stringify({ cmd: 'run', count, fast }));
  const r = (await agent.next()) as Omit<RunResult, 'received'>;
  // Let the last responses reach the fast subscribers, then ask what they got.
  await new Promise((res) => setTimeout(res, 500));
  subs[0]!.send('count');
  const { received } = (await subs[0]!.next()) as { received: number[] };
  for (const s of subs) await stop(s, 'exit');
  await stop(agent, JSON.stringify({ cmd: 'exit' }));
  const warm = Math.round(20_000 * scale);
  return { ...r, received: received.map((n) => n - warm) };
}

interface Bytes {
  proto: number;
  compact: number;
  falcoJson: number;
  envelopeJson: number;
  protoGzip: number;
  compactGzip: number;
  falcoJsonGzip: number;
  alerts: number;
}

function bytesPerAlert(): Bytes {
  const alerts = realAlerts(2_000);
  const hub = createHub({ registry: new Registry(), errors: { report: () => undefined } }, { node: 'node-1', ringSize: 10 });
  const envs: Envelope[] = [];
  hub.addSink({ deliver: (e) => envs.push(e) });
  for (const a of alerts) hub.publishAlert(a.alert, a.event, a.layout);
  let proto = 0;
  let falco = 0;
  let envJson = 0;
  const protoBufs: Uint8Array[] = [];
  const jsonLines: string[] = [];
  for (const e of envs) {
    const b = encodeEnvelope(e);
    proto += b.length;
    protoBufs.push(b);
    const line = falcoJsonLine(e.alert!);
    falco += Buffer.byteLength(line) + 1;
    jsonLines.push(line);
    // The same envelope in protobuf's canonical JSON mapping (what grpcurl prints, compact).
    envJson += Buffer.byteLength(JSON.stringify(EnvelopeType.toObject(EnvelopeType.decode(b), { longs: String, enums: String, json: true }))) + 1;
  }
  // Compressed in batches of 256, as a gRPC response or a chunk of a JSON-lines file would be.
  // COMPACT: the whole set as one stream's SubscribeResponses of 256, stream header and schemas included.
  const stream = compactEncoder();
  let compact = 0;
  let protoGzip = 0;
  let compactGzip = 0;
  let jsonGzip = 0;
  for (let i = 0; i < envs.length; i += 256) {
    const c = stream(envs.slice(i, i + 256));
    compact += c.length;
    compactGzip += gzipSync(c).length;
    protoGzip += gzipSync(Buffer.concat(protoBufs.slice(i, i + 256))).length;
    jsonGzip += gzipSync(jsonLines.slice(i, i + 256).join('\n')).length;
  }
  const n = envs.length;
  return {
    proto: proto / n,
    compact: compact / n,
    falcoJson: falco / n,
    envelopeJson: envJson / n,
    protoGzip: protoGzip / n,
    compactGzip: compactGzip / n,
    falcoJsonGzip: jsonGzip / n,
    alerts: n,
  };
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const bytes = bytesPerAlert();
console.log('bytes per alert', bytes);
const one = await scenario(Math.round(300_000 * scale), 1, 0);
console.log('1 subscriber', one);
const oneCompact = await scenario(Math.round(300_000 * scale), 1, 0, true);
console.log('1 COMPACT subscriber', oneCompact);
const ten = await scenario(Math.round(50_000 * scale), 10, 0);
console.log('10 subscribers', ten);
const twoFast = await scenario(Math.round(200_000 * scale), 2, 0);
console.log('2 fast', twoFast);
const fastSlow = await scenario(Math.round(200_000 * scale), 1, 1);
console.log('1 fast + 1 paused', fastSlow);

const rate = (r: RunResult): number => r.published / (r.wallMs / 1000);
/** Alerts per second of the agent's CPU: what one core would carry if the agent had it to itself. */
const cpuRate = (r: RunResult): number => r.published / (r.cpuMs / 1000);
const cpuPer1000 = (r: RunResult, subscribers: number): number => r.cpuMs / ((r.published * subscribers) / 1000);
const complete = (r: RunResult): boolean => r.received.every((n) => n === r.published);
const oneRate = cpuRate(one);
const compactRate = cpuRate(oneCompact);
const load = loadavg()[0]!;
const ratio = bytes.proto / bytes.falcoJson;
const compactRatio = bytes.compact / bytes.falcoJson;
const slowCost = fastSlow.cpuMs / fastSlow.published;
const fastCost = twoFast.cpuMs / twoFast.published;

const report = `# Delivery benchmark results

Measured by \`node --import tsx bench/delivery/run.ts\` on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'} (shared machine),
${new Date().toISOString().slice(0, 16)} UTC, load average ${load.toFixed(1)} at the end of the run. Agent side (real hub + gRPC server, real alerts of the default rules over the
engine benchmark's event mix, paced so no fast subscriber drops) pinned to CPU 0; subscribers to CPU 1, each on its own
HTTP/2 connection, counting envelopes without decoding them. Rates are per second of the agent process's CPU time
(user + system, GC included): other sessions share this 2-core machine, so wall-clock rates measure them too and are
given beside for reference.

| Measure | Result | Target | |
|---|---|---|---|
| Alerts per second of agent CPU, 1 subscriber (what one core carries) | ${fmt(oneRate)} (wall clock: ${fmt(rate(one))}/s) | ≥ 100,000 | ${oneRate >= 100_000 ? 'pass' : 'FAIL'} |
| Alerts per second of agent CPU, 1 COMPACT subscriber | ${fmt(compactRate)} (wall clock: ${fmt(rate(oneCompact))}/s) | ≥ 100,000 | ${compactRate >= 100_000 ? 'pass' : 'FAIL'} |
| Alerts per second of agent CPU to each of 10 subscribers (envelopes written: ×10) | ${fmt(cpuRate(ten))} (wall clock: ${fmt(rate(ten))}/s) | — | |
| Agent CPU per 1,000 envelopes written, 1 subscriber / 10 subscribers | ${fmt(cpuPer1000(one, 1), 2)} ms / ${fmt(cpuPer1000(ten, 10), 2)} ms | — | |
| Agent CPU per 1,000 alerts, 1 fast + 1 paused subscriber vs 2 fast | ${fmt(slowCost * 1000, 2)} ms vs ${fmt(fastCost * 1000, 2)} ms (${fmt(slowCost / fastCost, 2)}×) | slow ≤ fast | ${slowCost <= fastCost ? 'pass' : 'FAIL'} |
| Paused subscriber: envelopes dropped and announced | ${fmt(fastSlow.dropped)} of ${fmt(fastSlow.published)} | counted | |
| Bytes per alert: COMPACT stream (stream header and schemas included) vs Falco's JSON alert line | ${fmt(bytes.compact)} vs ${fmt(bytes.falcoJson)} (${fmt(compactRatio, 2)}×) | ≤ 0.5× | ${compactRatio <= 0.5 ? 'pass' : 'FAIL'} |
| Bytes per alert: FULL protobuf Envelope (self-describing, the default) vs Falco's JSON alert line | ${fmt(bytes.proto)} vs ${fmt(bytes.falcoJson)} (${fmt(ratio, 2)}×) | — | |
| Bytes per alert: the same FULL Envelope in protobuf's JSON mapping | ${fmt(bytes.envelopeJson)} (protobuf ${fmt(bytes.proto / bytes.envelopeJson, 2)}×) | — | |
| Bytes per alert, gzip over batches of 256: COMPACT / FULL protobuf vs Falco JSON | ${fmt(bytes.compactGzip)} / ${fmt(bytes.protoGzip)} vs ${fmt(bytes.falcoJsonGzip)} (${fmt(bytes.compactGzip / bytes.falcoJsonGzip, 2)}× / ${fmt(bytes.protoGzip / bytes.falcoJsonGzip, 2)}×) | — | |

Every fast subscriber received every envelope: ${[one, oneCompact, ten, twoFast, fastSlow].every(complete) ? 'yes' : 'NO'}
(1: ${one.received.join(', ')} of ${fmt(one.published)}; 1 COMPACT: ${oneCompact.received.join(', ')} of ${fmt(oneCompact.published)}; 10: ${ten.received.join(', ')} of ${fmt(ten.published)};
2 fast: ${twoFast.received.join(', ')}; fast beside paused: ${fastSlow.received.join(', ')} of ${fmt(fastSlow.published)}).
Bytes measured over ${fmt(bytes.alerts)} alerts (${'rules/library'} over the engine benchmark's events).
`;
console.log(report);
if (write) writeFileSync(join(here, 'RESULTS.md'), report);
process.exit(0);
