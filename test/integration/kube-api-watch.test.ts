import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubeMetadata, KUBE_WATCH_DEFAULTS, loadKubeApi, type KubeMetadata } from '../../collectors/kube/index.js';
import { ownedJson, podJson, startFakeApiServer, type FakeApiServer } from '../../bench/metadata/fake-apiserver.js';
import { testDeps, type TestDeps } from '../helpers/deps.js';

const PODS = '/api/v1/pods';
const RS = '/apis/apps/v1/replicasets';
const JOBS = '/apis/batch/v1/jobs';
const NODE = 'node-a';

/** Polls `fn` until it returns something defined (the watch is asynchronous by nature). */
async function eventually<T>(fn: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const metric = async (deps: TestDeps, line: RegExp): Promise<number | undefined> => {
  const m = line.exec(await deps.registry.metrics());
  return m ? Number(m[1]) : undefined;
};

/**
 * The API watch against a local server speaking the list/watch protocol
 * with Kubernetes' JSON, reached through @kubernetes/client-node's
 * kubeconfig handling (bearer token checked by the server).
 */
describe('Kubernetes API watch (local list/watch server)', () => {
  let api: FakeApiServer;
  let kube: KubeMetadata;
  let deps: TestDeps;
  let dir: string;
  const abort = new AbortController();

  beforeEach(async () => {
    api = await startFakeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'vigil-kube-'));
    deps = testDeps();
  });
  afterEach(async () => {
    await kube?.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startWatch(pageSize = 2): Promise<void> {
    const path = join(dir, 'kubeconfig');
    writeFileSync(path, api.kubeconfig());
    const choice = await loadKubeApi('auto', path);
    expect(choice.reason).toBeUndefined();
    kube = createKubeMetadata(deps, { ...KUBE_WATCH_DEFAULTS, api: choice.api!, nodeName: NODE, maxPods: 1_000, pageSize, retryMinMs: 50, retryMaxMs: 200 });
    await kube.start(abort.signal);
  }

  it("lists this node's pods (paged, by field selector) and every pod's IP, then follows watch events", async () => {
    const mine = podJson({ name: 'web-1', namespace: 'shop', node: NODE, ip: '10.1.0.5', labels: { app: 'web' } });
    const other = podJson({ name: 'db-0', namespace: 'shop', node: 'node-b', ip: '10.2.0.9', owner: { kind: 'StatefulSet', name: 'db' } });
    for (let i = 0; i < 3; i++) api.upsert(PODS, podJson({ name: `filler-${i}`, namespace: 'kube-system', node: 'node-c', ip: `10.3.0.${i + 1}` }));
    api.upsert(PODS, mine);
    api.upsert(PODS, other);
    await startWatch();

    const p = await eventually(() => kube.pod(mine.metadata.uid), 'node pod listed');
    expect(p).toMatchObject({ name: 'web-1', namespace: 'shop', labels: { app: 'web' }, ips: ['10.1.0.5'], workload: { kind: 'Pod', name: 'web-1' } });
    expect(p.annotations['kubectl.kubernetes.io/restartedAt']).toBe('2026-12-01T09:59:00Z');
    expect(kube.pod(other.metadata.uid)).toBeUndefined(); // another node's pod is only a peer
    await eventually(() => kube.peer('10.2.0.9'), 'cluster index');
    expect(kube.peer('10.2.0.9')).toMatchObject({ name: 'db-0', workload: { kind: 'StatefulSet', name: 'db' } });
    expect(kube.up).toBe(true);
    // Paged lists: continue tokens were followed; the node watch used its field selector.
    expect(api.requests.some((r) => r.includes('continue='))).toBe(true);
    expect(api.requests.some((r) => r.includes('watch=1') && r.includes('fieldSelector=spec.nodeName%3Dnode-a'))).toBe(true);
    expect(await metric(deps, /^vigil_metadata_source_up\{source="kubernetes"\} (\d+)$/m)).toBe(1);

    // Watch: a label change and a new pod arrive as events, a deletion removes.
    api.upsert(PODS, { ...mine, metadata: { ...mine.metadata, labels: { app: 'web', tier: 'front' } } });
    await eventually(() => kube.pod(mine.metadata.uid)?.labels.tier, 'MODIFIED event');
    const late = podJson({ name: 'worker-1', namespace: 'jobs', node: NODE, ip: '10.1.0.6' });
    api.upsert(PODS, late);
    await eventually(() => kube.pod(late.metadata.uid), 'ADDED event');
    api.remove(PODS, late.metadata.uid);
    await eventually(() => kube.pod(late.metadata.uid) === undefined, 'DELETED event');
    expect(kube.peer('10.1.0.6')).toBeUndefined();
    expect(await metric(deps, /^vigil_kube_relists_total\{resource="node-pods",reason="initial"\} (\d+)$/m)).toBe(1);
  });

  it('relists on 410 Gone and sees what changed meanwhile', async () => {
    const a = podJson({ name: 'a', namespace: 'ns', node: NODE, ip: '10.1.1.1' });
    api.upsert(PODS, a);
    await startWatch();
    await eventually(() => kube.pod(a.metadata.uid), 'initial list');
    // The server's event history is compacted and the watches end: resuming from
    // the old resourceVersion gets a 410 ERROR event, and the watch must relist.
    // b's event is gone with the compaction: only a relist can show it.
    const b = podJson({ name: 'b', namespace: 'ns', node: NODE, ip: '10.1.1.2' });
    api.upsertUnannounced(PODS, b);
    api.compact();
    api.endWatches();
    await eventually(() => kube.pod(b.metadata.uid), 'pod only a relist shows');
    expect(await metric(deps, /^vigil_kube_relists_total\{resource="node-pods",reason="gone"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(await metric(deps, /^vigil_kube_relists_total\{resource="node-pods",reason="dropped"\} (\d+)$/m)).toBeUndefined();
    expect(kube.up).toBe(true);
  });

  it('relists after a dropped connection (with backoff), and says so while the API is away', async () => {
    const a = podJson({ name: 'a', namespace: 'ns', node: NODE, ip: '10.1.2.1' });
    api.upsert(PODS, a);
    await startWatch();
    await eventually(() => kube.pod(a.metadata.uid), 'initial list');
    api.setDown(true);
    api.dropConnections();
    await eventually(() => !kube.up, 'watch marked down');
    expect(await metric(deps, /^vigil_metadata_source_up\{source="kubernetes"\} (\d+)$/m)).toBe(0);
    // The drop, then the relist the server refuses: both say why in describe() (/readyz).
    await eventually(() => /node-pods down \(GET \/api\/v1\/pods: HTTP 503/.test(kube.describe()), 'the refused relist in describe()');
    // What was known stays usable while the API is away.
    expect(kube.pod(a.metadata.uid)?.name).toBe('a');
    api.remove(PODS, a.metadata.uid);
    const b = podJson({ name: 'b', namespace: 'ns', node: NODE, ip: '10.1.2.2' });
    api.upsert(PODS, b);
    api.setDown(false);
    await eventually(() => kube.pod(b.metadata.uid), 'relist after the drop');
    expect(kube.pod(a.metadata.uid)).toBeUndefined();
    expect(kube.up).toBe(true);
    expect(await metric(deps, /^vigil_kube_relists_total\{resource="node-pods",reason="dropped"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
  });

  it('gives an IP that moves from one pod to another to the pod holding it now', async () => {
    const old = podJson({ name: 'api-old', namespace: 'shop', node: 'node-b', ip: '10.4.0.7', owner: { kind: 'ReplicaSet', name: 'api-7c9d' }, labels: { 'pod-template-hash': '7c9d' } });
    api.upsert(PODS, old);
    await startWatch();
    await eventually(() => kube.peer('10.4.0.7'), 'first holder');
    expect(kube.peer('10.4.0.7')?.name).toBe('api-old');
    // The old pod is still terminating when the IP is handed to a new one.
    const next = podJson({ name: 'cache-0', namespace: 'infra', node: 'node-c', ip: '10.4.0.7', owner: { kind: 'StatefulSet', name: 'cache' } });
    api.upsert(PODS, next);
    await eventually(() => kube.peer('10.4.0.7')?.name === 'cache-0', 'IP moved');
    api.remove(PODS, old.metadata.uid);
    // Host-network pods are not indexed: their IP is the node's. Events arrive in
    // order, so once the marker pod after them is indexed, both were applied.
    api.upsert(PODS, podJson({ name: 'node-exporter-x', namespace: 'mon', node: 'node-c', ip: '192.168.10.3', hostNetwork: true }));
    api.upsert(PODS, podJson({ name: 'marker', namespace: 'mon', node: 'node-c', ip: '10.9.9.9' }));
    await eventually(() => kube.peer('10.9.9.9'), 'marker pod');
    expect(kube.peer('10.4.0.7')).toMatchObject({ name: 'cache-0', namespace: 'infra', workload: { kind: 'StatefulSet', name: 'cache' } });
    expect(kube.peer('192.168.10.3')).toBeUndefined();
  });

  it('resolves the owner chain Deployment -> ReplicaSet -> Pod and CronJob -> Job -> Pod from the API objects', async () => {
    // Names that a guess from the pod name would get wrong: the Deployment is
    // not the ReplicaSet's name minus a hash, and the Job has no timestamp suffix.
    api.upsert(RS, ownedJson('ReplicaSet', { name: 'frontend-legacy', namespace: 'shop', owner: { kind: 'Deployment', name: 'frontend' } }));
    api.upsert(JOBS, ownedJson('Job', { name: 'nightly-report', namespace: 'ops', owner: { kind: 'CronJob', name: 'reports' } }));
    const web = podJson({ name: 'frontend-legacy-x7k2p', namespace: 'shop', node: NODE, ip: '10.1.3.1', owner: { kind: 'ReplicaSet', name: 'frontend-legacy' } });
    const job = podJson({ name: 'nightly-report-8kq2v', namespace: 'ops', node: NODE, ip: '10.1.3.2', owner: { kind: 'Job', name: 'nightly-report', apiVersion: 'batch/v1' } });
    const ds = podJson({ name: 'agent-4xk9z', namespace: 'kube-system', node: NODE, ip: '10.1.3.3', owner: { kind: 'DaemonSet', name: 'agent' } });
    const bare = podJson({ name: 'debug', namespace: 'default', node: NODE, ip: '10.1.3.4' });
    for (const p of [web, job, ds, bare]) api.upsert(PODS, p);
    await startWatch(100);
    await eventually(() => kube.pod(web.metadata.uid)?.workload.kind === 'Deployment', 'Deployment resolved');
    expect(kube.pod(web.metadata.uid)).toMatchObject({ owner: { kind: 'ReplicaSet', name: 'frontend-legacy' }, workload: { kind: 'Deployment', name: 'frontend' } });
    await eventually(() => kube.pod(job.metadata.uid)?.workload.kind === 'CronJob', 'CronJob resolved');
    expect(kube.pod(job.metadata.uid)?.workload).toEqual({ kind: 'CronJob', name: 'reports' });
    expect(kube.pod(ds.metadata.uid)?.workload).toEqual({ kind: 'DaemonSet', name: 'agent' });
    expect(kube.pod(bare.metadata.uid)?.workload).toEqual({ kind: 'Pod', name: 'debug' });
    // Peers on the same index get the same identity.
    expect(kube.peer('10.1.3.1')?.workload).toEqual({ kind: 'Deployment', name: 'frontend' });
  });

  it("reaches the API in-cluster over HTTPS with the service account's token and CA, without client-node", async () => {
    const tls = join(dir, 'tls');
    mkdirSync(tls);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(tls, 'key.pem'),
        '-out',
        join(tls, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = await startFakeApiServer({ tls: { key: readFileSync(join(tls, 'key.pem'), 'utf8'), cert: readFileSync(join(tls, 'cert.pem'), 'utf8') } });
    try {
      const sa = join(dir, 'serviceaccount');
      mkdirSync(sa);
      writeFileSync(join(sa, 'token'), `${secure.token}\n`);
      writeFileSync(join(sa, 'ca.crt'), readFileSync(join(tls, 'cert.pem')));
      const p = podJson({ name: 'in-cluster', namespace: 'ns', node: NODE, ip: '10.1.9.1' });
      secure.upsert(PODS, p);
      const choice = await loadKubeApi('auto', undefined, { host: '127.0.0.1', port: new URL(secure.url).port }, sa);
      expect(choice.api?.via).toBe('in-cluster service account');
      kube = createKubeMetadata(deps, { ...KUBE_WATCH_DEFAULTS, api: choice.api!, nodeName: NODE, maxPods: 10 });
      await kube.start(abort.signal);
      await eventually(() => kube.pod(p.metadata.uid), 'pod over HTTPS');
      await kube.stop();
    } finally {
      await secure.close();
    }
  });

  it('runs without an API and says why', async () => {
    const none = await loadKubeApi('auto', undefined, {}, join(dir, 'no-sa'));
    expect(none.reason).toContain('no kubeconfig given and no service-account token');
    kube = createKubeMetadata(deps, { ...KUBE_WATCH_DEFAULTS, unavailableReason: none.reason, nodeName: NODE, maxPods: 10 });
    await kube.start(abort.signal);
    expect(kube.up).toBe(false);
    expect(kube.configured).toBe(false);
    expect(kube.describe()).toContain('not used (no kubeconfig given');
    expect(await metric(deps, /^vigil_metadata_source_up\{source="kubernetes"\} (\d+)$/m)).toBe(0);
  });
});
