import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../../../../agent/delivery/hub.js';
import { subscribe } from '../../../../agent/delivery/client.js';
import { grpcMetrics, IDLE_NAMES_KEPT } from '../../../../agent/grpc/metrics.js';
import { createGrpcServer, type GrpcServer } from '../../../../agent/grpc/server.js';
import { subscriberName } from '../../../../agent/grpc/subscriber-name.js';
import { testDeps } from '../../../helpers/deps.js';

type Values = { value: number; labels: Record<string, string | number> }[];
const values = async (registry: Registry, name: string): Promise<Values> => (await registry.getSingleMetric(name)!.get()).values as Values;
const of = (vs: Values, subscriber: string, extra: Record<string, string> = {}): number | undefined =>
  vs.find((v) => v.labels.subscriber === subscriber && Object.entries(extra).every(([k, x]) => v.labels[k] === x))?.value;

describe('subscriber names', () => {
  it('takes a plain name as given and the peer address without its port otherwise', () => {
    expect(subscriberName('siem-splunk', '10.0.0.5:41234')).toBe('siem-splunk');
    expect(subscriberName(undefined, '10.0.0.5:41234')).toBe('10.0.0.5');
    expect(subscriberName(undefined, '::ffff:10.0.0.5:41234')).toBe('10.0.0.5');
    expect(subscriberName('', '::1:5000')).toBe('::1');
    expect(subscriberName('', '[fd00::1]:5000')).toBe('fd00::1');
    expect(subscriberName(undefined, 'unknown')).toBe('unknown');
  });

  it('refuses a name that is not a plain label value, naming the field', () => {
    for (const bad of ['a b', 'x"} 1\nfake_metric{', 'é', 'n'.repeat(65)]) {
      expect(() => subscriberName(bad, 'ipv4:1.2.3.4:1')).toThrow(/subscriber_name/);
    }
  });
});

describe('per-subscriber metrics', () => {
  it('counts each name apart, reads queue depth at scrape time, and keeps a name across reconnects', async () => {
    const registry = new Registry();
    const m = grpcMetrics(registry);
    let queued = 7;
    const a = m.attach('siem', () => queued);
    const b = m.attach('tail', () => 0);
    a.sent(10);
    a.dropped('queue_full', 3);
    b.sent(2);
    expect(of(await values(registry, 'vigil_grpc_sent_total'), 'siem')).toBe(10);
    expect(of(await values(registry, 'vigil_grpc_sent_total'), 'tail')).toBe(2);
    expect(of(await values(registry, 'vigil_grpc_subscriber_dropped_total'), 'siem', { reason: 'queue_full' })).toBe(3);
    expect(of(await values(registry, 'vigil_grpc_subscriber_queue_depth'), 'siem')).toBe(7);
    queued = 2;
    expect(of(await values(registry, 'vigil_grpc_subscriber_queue_depth'), 'siem')).toBe(2);
    const last = of(await values(registry, 'vigil_grpc_subscriber_last_sent_timestamp_seconds'), 'siem')!;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60);
    expect(of(await values(registry, 'vigil_grpc_subscribers'), 'siem')).toBe(1);

    a.detach();
    a.detach(); // idempotent
    expect(of(await values(registry, 'vigil_grpc_subscribers'), 'siem')).toBe(0);
    expect(of(await values(registry, 'vigil_grpc_subscriber_queue_depth'), 'siem')).toBe(0);
    const again = m.attach('siem', () => 0);
    again.sent(5);
    expect(of(await values(registry, 'vigil_grpc_sent_total'), 'siem')).toBe(15);
    expect(of(await values(registry, 'vigil_grpc_subscribers'), 'siem')).toBe(1);
  });

  it('keeps the series of at most IDLE_NAMES_KEPT idle names, forgetting the one idle longest', async () => {
    const registry = new Registry();
    const m = grpcMetrics(registry);
    const live = m.attach('live', () => 0);
    live.sent(1);
    for (let i = 0; i <= IDLE_NAMES_KEPT; i++) {
      const s = m.attach(`client-${i}`, () => 0);
      s.sent(1);
      s.dropped('ring_overrun');
      s.detach();
    }
    const sent = await values(registry, 'vigil_grpc_sent_total');
    expect(of(sent, 'client-0')).toBeUndefined();
    expect(of(await values(registry, 'vigil_grpc_subscriber_dropped_total'), 'client-0')).toBeUndefined();
    expect(of(sent, 'client-1')).toBe(1);
    expect(of(sent, `client-${IDLE_NAMES_KEPT}`)).toBe(1);
    expect(of(sent, 'live')).toBe(1);
    expect(sent).toHaveLength(IDLE_NAMES_KEPT + 1);
  });
});

describe('gRPC server: subscriber names on the wire', () => {
  const running: GrpcServer[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  it('labels a stream by the name it sends, or by its peer address; refuses a bad name with INVALID_ARGUMENT', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 100, bootId: 'b' });
    const server = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue: 100 });
    running.push(server);
    await server.start(new AbortController().signal);
    const addr = `127.0.0.1:${server.address()!.port}`;
    const named = subscribe(addr, { subscriberName: 'siem-1' }, () => undefined);
    const anonymous = subscribe(addr, {}, () => undefined);
    await Promise.all([named.subscribed, anonymous.subscribed]);
    const streams = await values(deps.registry, 'vigil_grpc_subscribers');
    expect(of(streams, 'siem-1')).toBe(1);
    expect(of(streams, '127.0.0.1')).toBe(1);

    const bad = subscribe(addr, { subscriberName: 'no spaces' }, () => undefined);
    expect(await bad.done).toMatchObject({ code: 3, details: expect.stringContaining('subscriber_name') });
    const refused = await values(deps.registry, 'vigil_grpc_subscribers_refused_total');
    expect(refused.find((v) => v.labels.reason === 'invalid_argument')?.value).toBe(1);
    named.cancel();
    anonymous.cancel();
    await Promise.all([named.done, anonymous.done]);
  });
});
