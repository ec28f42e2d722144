/**
 * The measured side of the pod-index benchmark, in its own process so the
 * fake API server's objects do not count: starts the API watch against the
 * parent's server, reports heap and RSS once synced, then CPU per batch of
 * pod updates. Run by run.ts through fork() with --expose-gc.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKubeMetadata, KUBE_WATCH_DEFAULTS, loadKubeApi } from '../../collectors/kube/index.js';

type Msg = { kind: 'expect-updates'; count: number } | { kind: 'exit' };

const send = (m: unknown): void => void process.send!(m);
const gc = (): void => {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
};
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

async function main(): Promise<void> {
  const [kubeconfig, nodeName, total, server, token] = process.argv.slice(2);
  const before = heap();
  const choice = await loadKubeApi('auto', kubeconfig);
  if (!choice.api) throw new Error(choice.reason);
  const libLoaded = heap();
  const kube = createKubeMetadata(
    { log: pino({ level: 'silent' }), registry: new Registry(), errors: { report: () => undefined } },
    {
      ...KUBE_WATCH_DEFAULTS,
      api: choice.api,
      nodeName: nodeName!,
      maxPods: 1_000_000,
    },
  );
  let updates = 0;
  let waiting: { count: number; resolve: () => void } | undefined;
  kube.onPod(() => {
    updates++;
    if (waiting && updates >= waiting.count) waiting.resolve();
  });
  const t0 = performance.now();
  await kube.start(new AbortController().signal);
  const want = Number(total);
  // Synced when the cluster index holds every pod (the metric is what /metrics shows).
  while (countCluster(kube) < want) await new Promise((r) => setTimeout(r, 20));
  const syncMs = performance.now() - t0;
  const indexed = heap();
  const rssBytes = process.memoryUsage().rss;
  // Baseline in the same process: what a cache of the full pod objects (an
  // informer's store, client-node's ListWatch) holds for the same list.
  const text = await (await fetch(`${server}/api/v1/pods`, { headers: { authorization: `Bearer ${token}` } })).text();
  const h0 = heap();
  const full = (JSON.parse(text) as { items: unknown[] }).items;
  const h1 = heap();
  send({
    kind: 'synced',
    syncMs,
    heapLibBytes: libLoaded - before,
    heapIndexBytes: indexed - libLoaded,
    rssBytes,
    fullObjectsHeapBytes: h1 - h0,
    listJsonBytes: Buffer.byteLength(text),
    fullCount: full.length,
  });

  process.on('message', (m: Msg) => {
    if (m.kind === 'expect-updates') {
      updates = 0;
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      waiting = {
        count: m.count,
        resolve: () => {
          waiting = undefined;
          const cpu = process.cpuUsage(cpu0);
          send({ kind: 'updated', cpuUs: cpu.user + cpu.system, wallMs: performance.now() - w0 });
        },
      };
      send({ kind: 'ready-for-updates' });
    } else if (m.kind === 'exit') {
      void kube.stop().then(() => process.exit(0));
    }
  });
}

/** The cluster-wide index size, as describe() (and /readyz) reports it. */
function countCluster(kube: { describe(): string }): number {
  const m = /(\d+) cluster pods/.exec(kube.describe());
  return m ? Number(m[1]) : 0;
}

main().catch((err: unknown) => {
  send({ kind: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
