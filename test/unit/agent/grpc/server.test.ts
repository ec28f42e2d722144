import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../../../agent/delivery/hub.js';
import { subscribe, type WireEnvelope } from '../../../../agent/delivery/client.js';
import { createGrpcServer, type GrpcServer } from '../../../../agent/grpc/server.js';
import type { VigilEvent } from '../../../../rules/index.js';
import { compileOutput } from '../../../../rules/compiler/output.js';
import { testDeps } from '../../../helpers/deps.js';

const running: GrpcServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

async function serve(opts: { maxQueue?: number; ringSize?: number; maxSubscribers?: number } = {}): Promise<{ hub: Hub; addr: string; deps: ReturnType<typeof testDeps> }> {
  const deps = testDeps();
  const hub = createHub(deps, { node: 'node-1', ringSize: opts.ringSize ?? 100, bootId: 'boot-a' });
  const server = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue: opts.maxQueue ?? 1000, maxSubscribers: opts.maxSubscribers });
  running.push(server);
  await server.start(new AbortController().signal);
  return { hub, addr: `127.0.0.1:${server.address()!.port}`, deps };
}

const exec = (ns: string, pod: string, name = 'sh'): VigilEvent => ({
  type: 'execve',
  source: 'syscall',
  timeMs: 1_700_000_000_123,
  proc: { pid: 42, name, args: ['-c', 'id'], uid: 0 },
  k8s: { ns, podName: pod },
  container: { id: 'abcdef0123456789' },
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('gRPC Subscribe', () => {
  it('streams typed envelopes with sequence, ids and payloads', async () => {
    const { hub, addr } = await serve();
    hub.publishEvent(exec('shop', 'web-1'));
    hub.publishAlert(
      {
        time: '2023-11-14T22:13:20.123456789Z',
        rule: 'R',
        priority: 'Critical',
        output: 'o',
        output_fields: { i: 3, s: 'x', n: null, d: 1.5, b: true },
        hostname: 'node-1',
        source: 'syscall',
        tags: ['t'],
      },
      exec('shop', 'web-1'),
    );
    const got: WireEnvelope[] = [];
    const h = subscribe(addr, { sinceSequence: 0 }, (e) => got.push(e));
    await until(() => got.length === 2, 'two envelopes');
    h.cancel();
    expect(await h.done).toBeNull();
    expect(got[0]).toMatchObject({ node: 'node-1', bootId: 'boot-a', sequence: '1', eventId: 'boot-a-1', timeUnixNano: '1700000000123000000', payload: 'exec' });
    expect(got[0]!.exec).toMatchObject({ process: { pid: 42, name: 'sh', args: ['-c', 'id'], uid: 0 }, pod: { namespace: 'shop', name: 'web-1' } });
    expect(got[1]).toMatchObject({ sequence: '2', payload: 'alert', timeUnixNano: '1700000000123456789' });
    expect(got[1]!.alert).toMatchObject({
      rule: 'R',
      priority: 'PRIORITY_CRITICAL',
      priorityText: 'Critical',
      tags: ['t'],
      outputFields: { i: { intValue: '3', kind: 'intValue' }, s: { stringValue: 'x' }, n: {}, d: { doubleValue: 1.5 }, b: { boolValue: true } },
    });
  });
});

describe('gRPC Subscribe, COMPACT', () => {
  const layout = compileOutput('shell in %k8s.pod.name: %proc.cmdline').layout;
  const publish = (hub: Hub, rule: string, i: number): void =>
    hub.publishAlert(
      {
        time: '2023-11-14T22:13:20.123456789Z',
        rule,
        priority: 'Critical',
        output: `22:13:20.123456789: Critical shell in web-1: sh -c ${i}`,
        output_fields: { 'proc.cmdline': `sh -c ${i}`, 'container.id': 'abc', 'container.name': null, 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-1' },
        hostname: 'node-1',
        source: 'syscall',
        tags: ['t'],
      },
      exec('shop', 'web-1'),
      layout,
    );

  async function collect(addr: string, request: Parameters<typeof subscribe>[1], n: number, raw: boolean): Promise<WireEnvelope[]> {
    const got: WireEnvelope[] = [];
    const h = subscribe(addr, request, (e) => got.push(e), { raw });
    await until(() => got.length >= n, `${n} envelopes`);
    h.cancel();
    expect(await h.done).toBeNull();
    return got;
  }

  it('rebuilds to what FULL sends, filters and resumes the same, and sends schemas again on the resumed stream', async () => {
    const { hub, addr } = await serve();
    for (let i = 0; i < 4; i++) {
      publish(hub, 'A', i);
      publish(hub, 'B', i);
      hub.publishEvent(exec('shop', 'web-1'));
    }
    const full = await collect(addr, { sinceSequence: 0, rules: ['A'] }, 8, false);
    const compact = await collect(addr, { sinceSequence: 0, rules: ['A'], encoding: 'ALERT_ENCODING_COMPACT' }, 8, false);
    expect(compact).toEqual(full);
    expect(full.filter((e) => e.payload === 'alert').map((e) => (e.alert as { rule: string }).rule)).toEqual(['A', 'A', 'A', 'A']);
    const raw = await collect(addr, { sinceSequence: 0, rules: ['A'], encoding: 'ALERT_ENCODING_COMPACT' }, 9, true);
    expect(raw.map((e) => e.payload)).toEqual(['alertSchema', 'compactAlert', 'exec', 'compactAlert', 'exec', 'compactAlert', 'exec', 'compactAlert', 'exec']);
    expect(raw[0]).toMatchObject({ node: 'node-1', bootId: 'boot-a' });
    expect(raw.slice(1).every((e) => e.node === undefined && e.bootId === undefined && e.eventId === undefined)).toBe(true);
    // Resume after sequence 6: the schema comes again before its first alert on the new stream.
    const resumed = await collect(addr, { sinceSequence: 6, bootId: 'boot-a', rules: ['A'], encoding: 'ALERT_ENCODING_COMPACT' }, 5, true);
    expect(resumed.map((e) => e.payload)).toEqual(['alertSchema', 'compactAlert', 'exec', 'compactAlert', 'exec']);
    expect(resumed[0]).toMatchObject({ node: 'node-1', bootId: 'boot-a' });
    expect(resumed[1]).toMatchObject({ sequence: '7' });
    const rebuilt = await collect(addr, { sinceSequence: 6, bootId: 'boot-a', rules: ['A'], encoding: 'ALERT_ENCODING_COMPACT' }, 4, false);
    expect(rebuilt).toEqual(full.slice(4));
  });

  it('refuses an unknown encoding with INVALID_ARGUMENT', async () => {
    const { addr } = await serve();
    const h = subscribe(addr, { encoding: 7 }, () => undefined);
    expect((await h.done)?.code).toBe(3);
  });
});

describe('gRPC subscriber cap', () => {
  it('refuses a subscriber beyond grpcMaxSubscribers with RESOURCE_EXHAUSTED, counts it, and takes one again when a stream ends', async () => {
    const { hub, addr, deps } = await serve({ maxSubscribers: 2 });
    const refused = async (): Promise<number> =>
      (await deps.registry.getSingleMetric('vigil_grpc_subscribers_refused_total')!.get()).values.find((v) => v.labels.reason === 'max_subscribers')?.value ?? 0;
    const got: WireEnvelope[][] = [[], [], []];
    const a = subscribe(addr, {}, (e) => got[0]!.push(e));
    const b = subscribe(addr, {}, (e) => got[1]!.push(e));
    await Promise.all([a.subscribed, b.subscribed]);
    const c = subscribe(addr, {}, () => undefined);
    const err = await c.done;
    expect(err?.code).toBe(8);
    expect(err?.details).toContain('grpcMaxSubscribers');
    expect(await refused()).toBe(1);
    // The two streaming ones are unaffected.
    hub.publishEvent(exec('shop', 'web-1'));
    await until(() => got[0]!.length === 1 && got[1]!.length === 1, 'the event on both streams');
    a.cancel();
    await a.done;
    const streaming = async (): Promise<number> => (await deps.registry.getSingleMetric('vigil_grpc_subscribers')!.get()).values[0]?.value ?? 0;
    for (let i = 0; i < 500 && (await streaming()) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await streaming()).toBe(1);
    const d = subscribe(addr, {}, (e) => got[2]!.push(e));
    await d.subscribed;
    hub.publishEvent(exec('shop', 'web-1'));
    await until(() => got[2]!.length === 1, 'the event on the new stream');
    b.cancel();
    d.cancel();
    expect(await refused()).toBe(1);
  });
});

describe('gRPC server lifecycle', () => {
  it('stop is safe before start and idempotent; a taken port fails the start with VIGIL_ERR_LISTEN', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 10 });
    const never = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue: 10 });
    await never.stop();
    await never.stop();
    const { addr } = await serve();
    const port = Number(addr.split(':')[1]);
    const clash = createGrpcServer(deps, { addr: { host: '127.0.0.1', port }, hub, maxQueue: 10 });
    await expect(clash.start(new AbortController().signal)).rejects.toMatchObject({ code: 'VIGIL_ERR_LISTEN' });
    await clash.stop();
  });

  it('ends open streams on stop, and the subscriber count goes back to 0', async () => {
    const { addr, deps } = await serve();
    const h = subscribe(addr, {}, () => undefined);
    await h.subscribed;
    expect(await deps.registry.getSingleMetric('vigil_grpc_subscribers')!.get()).toMatchObject({ values: [{ value: 1 }] });
    await running.pop()!.stop();
    expect(await h.done).toBeNull();
    expect(await deps.registry.getSingleMetric('vigil_grpc_subscribers')!.get()).toMatchObject({ values: [{ value: 0 }] });
  });

  it('refuses a filter that does not compile with INVALID_ARGUMENT naming it', async () => {
    const { addr } = await serve();
    const h = subscribe(addr, { podNameRegex: '(' }, () => undefined);
    expect(await h.done).toMatchObject({ code: 3, details: expect.stringContaining('pod_name_regex') });
  });
});
