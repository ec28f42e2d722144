import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEdgeTracker, peerIdentity, podIdentity, type EdgeLookups, type EdgeTrackerConfig, type Identity } from '../../../../agent/edges/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { connEvent, testDeps } from './helpers.js';

const WEB_NS = 4026532201;
const API_NS = 4026532202;
const HOST_NS = 4026531840;
const WEB_IP = '10.244.0.5';
const API_IP = '10.244.0.6';
const WEB_ID = 'web'.padEnd(64, '0');
const API_ID = 'api'.padEnd(64, '0');
const PAUSE_ID = 'pause'.padEnd(64, '0');

const identities: Record<string, Identity | undefined> = {
  [WEB_ID]: podIdentity({ ns: 'shop', podName: 'web-7d4b9c-abcde', podLabels: { app: 'web' }, containerName: 'nginx', workloadKind: 'Deployment', workloadName: 'web' }),
  [API_ID]: podIdentity({ ns: 'shop', podName: 'api-5f6c7d-abcde', podLabels: { app: 'api' }, containerName: 'server', workloadKind: 'Deployment', workloadName: 'api' }),
  [PAUSE_ID]: undefined,
};

const lookups: EdgeLookups = {
  addressOwner: (ip) =>
    ip === WEB_IP
      ? { netns: WEB_NS, containerId: PAUSE_ID, containerIds: [WEB_ID, PAUSE_ID] }
      : ip === API_IP
        ? { netns: API_NS, containerId: API_ID, containerIds: [API_ID] }
        : ip === '192.168.1.10'
          ? { netns: HOST_NS, host: true, containerIds: [WEB_ID] } // a host-network pod shares the node's netns
          : ip === '10.244.0.99'
            ? { netns: 77, host: false, containerIds: [] }
            : ip === '172.17.0.1'
              ? { netns: HOST_NS } // a lookup that only knows the netns: no container means the host
              : undefined,
  containerIdentity: (id) => identities[id],
};

let dir: string;
let t: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tracker-'));
  t = 1_700_000_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (over: Partial<EdgeTrackerConfig> = {}): EdgeTrackerConfig => ({
  baselinePath: join(dir, 'baseline.json'),
  learningWindowMs: 60_000,
  clusterCidrs: ['10.244.0.0/16', '10.96.0.0/12'],
  maxEdges: 1000,
  persistIntervalMs: 60_000,
  now: () => t,
  ...over,
});

async function started(over: Partial<EdgeTrackerConfig> = {}) {
  const tracker = createEdgeTracker(testDeps(), cfg(over), lookups);
  await tracker.start(new AbortController().signal);
  return tracker;
}

const pair = {
  connect: connEvent('connect', { own: 'web', cip: WEB_IP, cport: 40312, sip: API_IP, sport: 8080, netns: WEB_NS }),
  accept: connEvent('accept', { own: 'api', cip: WEB_IP, cport: 40312, sip: API_IP, sport: 8080, netns: API_NS }),
};

describe('edge tracker', () => {
  it('gives both ends of one local pod-to-pod connection the same edge', async () => {
    const tracker = await started();
    const a = tracker.annotate(pair.connect).edge;
    const b = tracker.annotate(pair.accept).edge;
    expect(a).toEqual({
      src: 'shop/Deployment/web/nginx',
      dst: 'shop/Deployment/api/server',
      port: 8080,
      proto: 'tcp',
      key: 'shop/Deployment/web/nginx -> shop/Deployment/api/server:8080/tcp',
      learning: true,
      isNew: false,
      external: false,
    });
    expect(b).toEqual(a);
    expect(tracker.baseline.size).toBe(1);
    await tracker.stop();
  });

  it('names the server container from its listening socket, not the netns first container', async () => {
    const tracker = await started();
    // A multi-container pod at API_IP whose listener is known from a listen event.
    const sidecar: Identity = { id: 'shop/Deployment/api/envoy', kind: 'pod', ns: 'shop', labels: { app: 'api' } };
    const listen: VigilEvent = { ...pair.accept, type: 'listen', k8s: { ...pair.accept.k8s!, containerName: 'envoy' } };
    tracker.annotate(listen);
    expect(tracker.annotate(pair.connect).edge?.dst).toBe(sidecar.id);
    await tracker.stop();
  });

  it('classifies peers: in-cluster elsewhere, external, the host, loopback', async () => {
    const tracker = await started();
    const other = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 1, sip: '10.244.3.9', sport: 5432, netns: WEB_NS })).edge;
    expect(other).toMatchObject({ dst: 'ip:10.244.3.9', external: false, port: 5432 });
    const svc = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 2, sip: '10.96.0.10', sport: 53, netns: WEB_NS })).edge;
    expect(svc?.dst).toBe('ip:10.96.0.10');
    const ext = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 3, sip: '::ffff:198.51.100.7', sport: 443, netns: WEB_NS })).edge;
    expect(ext).toMatchObject({ dst: 'external:198.51.100.7', external: true, key: 'shop/Deployment/web/nginx -> external:198.51.100.7:443/tcp' });
    const inbound = tracker.annotate(connEvent('accept', { own: 'api', cip: '203.0.113.4', cport: 5555, sip: API_IP, sport: 8080, netns: API_NS })).edge;
    expect(inbound).toMatchObject({ src: 'external:203.0.113.4', dst: 'shop/Deployment/api/server', external: true, port: 8080 });
    const fromHost = tracker.annotate(connEvent('accept', { own: 'api', cip: '192.168.1.10', cport: 5, sip: API_IP, sport: 8080, netns: API_NS })).edge;
    expect(fromHost?.src).toBe('host');
    const hostOwn = tracker.annotate(connEvent('connect', { own: 'host', cip: '192.168.1.10', cport: 6, sip: API_IP, sport: 8080, netns: HOST_NS })).edge;
    expect(hostOwn?.key).toBe('host -> shop/Deployment/api/server:8080/tcp');
    const bare = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 9, sip: '10.244.0.99', sport: 80, netns: WEB_NS })).edge;
    expect(bare?.dst).toBe('ip:10.244.0.99');
    const bridge = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 10, sip: '172.17.0.1', sport: 80, netns: WEB_NS })).edge;
    expect(bridge?.dst).toBe('host');
    const plain = tracker.annotate(connEvent('connect', { own: 'plain', cip: '172.17.0.2', cport: 7, sip: '172.17.0.3', sport: 6379, netns: 9 })).edge;
    expect(plain).toMatchObject({ src: 'container/redis', dst: 'external:172.17.0.3' });
    const lo = connEvent('connect', { own: 'web', cip: '127.0.0.1', cport: 8, sip: '127.0.0.1', sport: 9000, netns: WEB_NS });
    expect(tracker.annotate(lo)).toBe(lo);
    await tracker.stop();
  });

  it("names a pod on another node from the API's pod-IP index, by its workload", async () => {
    const withApi: EdgeLookups = {
      ...lookups,
      peerIdentity: (ip) => (ip === '10.244.3.9' ? peerIdentity({ uid: 'u', namespace: 'db', name: 'pg-0', workload: { kind: 'StatefulSet', name: 'pg' } }) : undefined),
    };
    const tracker = createEdgeTracker(testDeps(), cfg(), withApi);
    await tracker.start(new AbortController().signal);
    const remote = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 1, sip: '10.244.3.9', sport: 5432, netns: WEB_NS })).edge;
    expect(remote).toMatchObject({ dst: 'db/StatefulSet/pg/-', key: 'shop/Deployment/web/nginx -> db/StatefulSet/pg/-:5432/tcp', external: false });
    // Not in the index: still the bare address.
    const unknown = tracker.annotate(connEvent('connect', { own: 'web', cip: WEB_IP, cport: 2, sip: '10.244.3.10', sport: 5432, netns: WEB_NS })).edge;
    expect(unknown?.dst).toBe('ip:10.244.3.10');
    await tracker.stop();
  });

  it('passes other events and incomplete sockets through untouched', async () => {
    const tracker = await started();
    const exec: VigilEvent = { type: 'execve', source: 'syscall', timeMs: 1 };
    expect(tracker.annotate(exec)).toBe(exec);
    const noPeer: VigilEvent = { ...pair.connect, fd: { ...pair.connect.fd!, sip: undefined } };
    expect(tracker.annotate(noPeer)).toBe(noPeer);
    expect(tracker.annotate(pair.connect)).not.toBe(pair.connect);
    expect(pair.connect.edge).toBeUndefined(); // the input event is not mutated
    await tracker.stop();
  });

  it('alerts on a new edge after learning and keeps the learned one quiet, across a restart', async () => {
    const first = await started();
    first.annotate(pair.connect);
    await first.stop();
    t += 120_000;
    const second = await started();
    expect(second.annotate(pair.accept).edge).toMatchObject({ learning: false, isNew: false });
    const reverse = connEvent('connect', { own: 'api', cip: API_IP, cport: 40000, sip: WEB_IP, sport: 80, netns: API_NS });
    expect(second.annotate(reverse).edge).toMatchObject({ src: 'shop/Deployment/api/server', dst: 'shop/Deployment/web/nginx', isNew: true });
    await second.stop();
  });

  it('without a baseline path only names edges (allowlist-only)', async () => {
    const tracker = await started({ baselinePath: undefined });
    t += 10 * 60_000;
    expect(tracker.annotate(pair.connect).edge).toMatchObject({ learning: false, isNew: false });
    await tracker.stop();
  });

  it('is a component: stop is idempotent and safe before start; annotate before start is a no-op', async () => {
    const tracker = createEdgeTracker(testDeps(), cfg(), lookups);
    await tracker.stop();
    await tracker.stop();
    expect(tracker.annotate(pair.connect)).toBe(pair.connect);
  });

  it('rejects a bad cluster CIDR at creation', () => {
    expect(() => createEdgeTracker(testDeps(), cfg({ clusterCidrs: ['10.0.0.0/40'] }), lookups)).toThrow(/clusterCidrs/);
  });
});
