import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeTracker, runBaselineCli, type EdgeTracker } from '../../agent/edges/index.js';
import { podConnectionLookups, refreshPodAddressesOnScan } from '../../agent/edges/pod-wiring.js';
import { wireEvents } from '../../agent/events/index.js';
import { createContainerCollector, type ContainerCollector } from '../../collectors/cgroups/index.js';
import { createPodAddressBook } from '../../collectors/podnet/index.js';
import { createHostScanner, type HostScanner } from '../../collectors/scan/index.js';
import type { EdgeFields, VigilEvent } from '../../rules/event.js';
import { docker, integrationUnavailable, TEST_IMAGE } from './docker-env.js';
import { reportedText, testDeps } from '../helpers/deps.js';

/**
 * The real pipeline on real containers: cgroup discovery + Docker
 * enrichment (containers laid out as the kubelet does), the /proc host
 * scanner, the event layer, the pod address book and the edge tracker.
 * The baseline clock is shifted instead of waited on, so nothing is timed.
 */
const unavailable = integrationUnavailable();
const PREFIX = `vigil-edges-${process.pid}`;
const HOUR = 3600_000;

interface Pod {
  readonly name: string;
  readonly id: string;
  readonly ip: string;
}

function runPod(opts: { container: string; ns: string; pod: string; labels: Record<string, string>; cmd: string[] }): Pod {
  const uid = randomUUID();
  const name = `${PREFIX}-${opts.container}`;
  const labels = {
    'io.kubernetes.pod.namespace': opts.ns,
    'io.kubernetes.pod.name': opts.pod,
    'io.kubernetes.pod.uid': uid,
    'io.kubernetes.container.name': opts.container,
    ...opts.labels,
  };
  const id = docker('run', '-d', '--name', name, '--cgroup-parent', `/kubepods/besteffort/pod${uid}`, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), TEST_IMAGE, ...opts.cmd);
  const ip = docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', id);
  return { name, id, ip };
}

describe.skipIf(unavailable)('pod connection edges on real containers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-edges-it-'));
  const baselinePath = join(dir, 'baseline.json');
  const deps = testDeps();
  const abort = new AbortController();
  const book = createPodAddressBook({ procRoot: '/proc', maxAgeMs: 0 }, deps.errors);
  const annotated: VigilEvent[] = [];
  let containers: ContainerCollector;
  let scanner: HostScanner;
  let tracker: EdgeTracker | undefined;
  let unwire: (() => void) | undefined;
  let clockOffsetMs = 0;
  let server: Pod;
  let client: Pod;
  let batch: Pod;

  const newTracker = () =>
    createEdgeTracker(
      deps,
      {
        baselinePath,
        learningWindowMs: HOUR,
        clusterCidrs: ['172.17.0.0/16'],
        maxEdges: 1000,
        persistIntervalMs: 60_000,
        now: () => Date.now() + clockOffsetMs,
      },
      podConnectionLookups(containers, book),
    );

  beforeAll(async () => {
    server = runPod({
      container: 'server',
      ns: 'shop',
      pod: 'api-5f6c7d8b9-x2k9q',
      labels: { app: 'api', 'pod-template-hash': '5f6c7d8b9' },
      cmd: ['sh', '-c', 'nc -ll -p 8080 -e cat & nc -ll -p 9090 -e cat & wait'],
    });
    client = runPod({ container: 'client', ns: 'shop', pod: 'web', labels: { app: 'web' }, cmd: ['sleep', '3600'] });
    batch = runPod({ container: 'job', ns: 'shop', pod: 'batch', labels: { app: 'batch' }, cmd: ['sleep', '3600'] });

    containers = createContainerCollector(deps, {
      cgroupRoot: '/sys/fs/cgroup',
      procRoot: '/proc',
      dockerSocket: '/var/run/docker.sock',
      resyncIntervalMs: 1000,
    });
    await containers.start(abort.signal);
    scanner = createHostScanner(deps, { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 4096, scanIntervalMs: HOUR });
    // Registered before the event layer: a scan's addresses are known before its sockets become events.
    refreshPodAddressesOnScan(scanner, book, () => tracker?.invalidate());
    unwire = wireEvents(
      { scanner, containers },
      (e) => {
        if (tracker) annotated.push(tracker.annotate(e));
      },
      deps.errors,
      { hostname: 'node-1', procRoot: '/proc', pendingInspectionMs: 1000, enrichmentWaitMs: 1000, fsPredictWindowMs: HOUR },
    );
    await until('the containers are discovered with their pod labels', () => [server, client, batch].every((p) => containers.get(p.id)?.k8s !== undefined));
  }, 120_000);

  afterAll(async () => {
    unwire?.();
    await tracker?.stop();
    await scanner?.stop();
    abort.abort();
    await containers?.stop();
    for (const pod of [server, client, batch]) {
      try {
        if (pod) docker('rm', '-f', pod.id);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Polls (scanning each time) until `ok`; fails with `what` after a generous deadline. */
  async function until(what: string, ok: () => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!ok()) {
      if (Date.now() > deadline) {
        const ours = annotated.filter((e) => e.edge?.key.includes('shop/')).map((e) => ({ type: e.type, fd: e.fd, edge: e.edge }));
        throw new Error(`timed out waiting for ${what}; edges in shop: ${JSON.stringify(ours)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
      scanner?.scanNow();
    }
  }

  /** Opens one connection from `from` to the server (kept open a while) and returns its connect and accept edges. */
  async function connect(from: Pod, port: number): Promise<{ connect: EdgeFields; accept: EdgeFields }> {
    const start = annotated.length;
    docker('exec', '-d', from.name, 'sh', '-c', `(echo hi; sleep 20) | nc ${server.ip} ${port}`);
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
    const v4 = (ip: string | undefined) => ip?.replace(/^::ffff:/, '');
    const find = (type: string) => annotated.slice(start).find((e) => e.type === type && e.edge && e.fd?.sport === port && v4(e.fd?.sip) === server.ip && v4(e.fd?.cip) === from.ip);
    await until(`connect and accept events for ${from.name} -> :${port}`, () => find('connect') !== undefined && find('accept') !== undefined);
    return { connect: find('connect')!.edge!, accept: find('accept')!.edge! };
  }

  it('learns a pod-to-pod edge, named the same from both ends', async () => {
    tracker = newTracker();
    await tracker.start(abort.signal);
    const seen = await connect(client, 8080);
    expect(seen.connect).toEqual({
      src: 'shop/app/web/client',
      dst: 'shop/Deployment/api/server',
      port: 8080,
      proto: 'tcp',
      key: 'shop/app/web/client -> shop/Deployment/api/server:8080/tcp',
      learning: true,
      isNew: false,
      external: false,
    });
    expect(seen.accept).toEqual(seen.connect);
    await tracker.stop();
    tracker = undefined;
    // The host is live: other processes' connections may be learned too; ours is the only one in `shop`.
    const file = JSON.parse(readFileSync(baselinePath, 'utf8')) as { edges: Array<{ src: string; dst: string }> };
    expect(file.edges.filter((e) => e.src.startsWith('shop/') || e.dst.startsWith('shop/'))).toEqual([
      expect.objectContaining({ src: 'shop/app/web/client', dst: 'shop/Deployment/api/server', port: 8080, proto: 'tcp' }),
    ]);
  });

  it('after a restart past the window, the learned edge stays quiet and new ones are new', async () => {
    clockOffsetMs = 2 * HOUR;
    tracker = newTracker();
    await tracker.start(abort.signal);
    expect(tracker.baseline.isLearning()).toBe(false);

    const again = await connect(client, 8080);
    expect(again.connect).toMatchObject({ key: 'shop/app/web/client -> shop/Deployment/api/server:8080/tcp', learning: false, isNew: false });
    expect(again.accept.isNew).toBe(false);

    const fromBatch = await connect(batch, 8080);
    expect(fromBatch.connect).toMatchObject({ src: 'shop/app/batch/job', dst: 'shop/Deployment/api/server', isNew: true, learning: false });
    expect(fromBatch.accept).toEqual(fromBatch.connect);

    const otherPort = await connect(client, 9090);
    expect(otherPort.connect).toMatchObject({ key: 'shop/app/web/client -> shop/Deployment/api/server:9090/tcp', isNew: true });

    const newTotal = (await deps.registry.getSingleMetric('vigil_edges_new_total')?.get())?.values[0]?.value;
    expect(newTotal).toBeGreaterThanOrEqual(4); // two events (both ends) per new connection
    // New edges alert; they are not learned.
    expect(tracker.baseline.has(fromBatch.connect.key)).toBe(false);
    expect(tracker.baseline.has(otherPort.connect.key)).toBe(false);
    expect(reportedText(deps).filter((r) => r.startsWith('edges/'))).toEqual([]);
  });

  it('exports the learned baseline as a NetworkPolicy for the server workload', async () => {
    await tracker?.stop();
    const stdout = new PassThrough();
    const code = await runBaselineCli(['export', '--format', 'networkpolicy', '--baseline', baselinePath], { stdout, stderr: new PassThrough() });
    expect(code).toBe(0);
    const docs = parseAllDocuments((stdout.read() as Buffer).toString());
    if (!Array.isArray(docs)) throw new Error('expected a document stream');
    const policies = docs.map((d) => d.toJS() as { metadata: { namespace: string } }).filter((p) => p.metadata.namespace === 'shop');
    expect(policies).toEqual([
      expect.objectContaining({
        kind: 'NetworkPolicy',
        metadata: expect.objectContaining({ name: 'vigil-ingress-deployment-api', namespace: 'shop' }),
        spec: {
          podSelector: { matchLabels: { app: 'api' } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'web' } } }],
              ports: [{ protocol: 'TCP', port: 8080 }],
            },
          ],
        },
      }),
    ]);
  });
});
