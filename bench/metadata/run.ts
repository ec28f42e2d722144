/**
 * Metadata benchmark (issue 10):
 *  - attribution latency: from StartContainer to the first event that names
 *    the pod, through a real containerd's CRI, against the Docker engine path
 *    (kubelet-style labels) measured in the same run;
 *  - memory of the API watch's pod index at 1,000 and 10,000 pods (generated
 *    list responses from a local list/watch server), against a cache of the
 *    full pod objects for the same list;
 *  - CPU per 100 pod updates (watch events) once synced.
 *
 *   npm run build && node --import tsx bench/metadata/run.ts [--quick] [--out bench/metadata/RESULTS.md] [--skip-latency]
 *
 * The latency part needs root, Debian's containerd, runc, a Docker engine and
 * the vigil-test/busybox image; it starts its own containerd in a temp dir
 * and removes every pod and container it made.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type AgentHandle } from '../../test/integration/harness/agent.js';
import { startContainerd } from '../../test/integration/harness/containerd.js';
import { ownedJson, podJson, startFakeApiServer, testUid, type FakeApiServer } from './fake-apiserver.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const skipLatency = args.includes('--skip-latency');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1]! : join(import.meta.dirname, 'RESULTS.md');
const log = (s: string): void => void process.stderr.write(`[metadata] ${s}\n`);
const NODE = 'node-0';
const PROBE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'rules-cri', 'bench-probe.yaml');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);

/** A cluster of `n` pods over n/100 nodes: Deployments (via ReplicaSets), StatefulSets, DaemonSets, CronJobs (via Jobs). */
function populate(api: FakeApiServer, n: number): number[] {
  const nodePods: number[] = [];
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % 40}`;
    const node = `node-${i % Math.max(1, Math.floor(n / 100))}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const shape = i % 10;
    let owner: { kind: string; name: string; apiVersion?: string };
    let labels: Record<string, string> = { app: `app-${i % 300}`, 'app.kubernetes.io/part-of': `system-${i % 20}` };
    if (shape < 7) {
      const deploy = `svc-${i % 300}`;
      const hash = (i % 300).toString(16).padStart(9, '7');
      const rs = `${deploy}-${hash}`;
      if (i < 300) api.upsertUnannounced('/apis/apps/v1/replicasets', ownedJson('ReplicaSet', { name: rs, namespace: ns, owner: { kind: 'Deployment', name: deploy } }));
      owner = { kind: 'ReplicaSet', name: rs };
      labels = { ...labels, 'pod-template-hash': hash };
    } else if (shape === 7) owner = { kind: 'StatefulSet', name: `db-${i % 50}` };
    else if (shape === 8) owner = { kind: 'DaemonSet', name: `agent-${i % 5}` };
    else {
      const job = `report-${i % 30}-2960${i % 1000}`;
      if (i < 1000) api.upsertUnannounced('/apis/batch/v1/jobs', ownedJson('Job', { name: job, namespace: ns, owner: { kind: 'CronJob', name: `report-${i % 30}` } }));
      owner = { kind: 'Job', name: job, apiVersion: 'batch/v1' };
    }
    const pod = podJson({ name: `pod-${i}`, namespace: ns, uid: testUid(1_000_000 + i), node, ip, labels, owner });
    api.upsertUnannounced('/api/v1/pods', pod);
    if (node === NODE) nodePods.push(i);
  }
  return nodePods;
}

interface IndexResult {
  pods: number;
  syncMs: number;
  heapIndexBytes: number;
  heapLibBytes: number;
  rssBytes: number;
  fullObjectsHeapBytes: number;
  listJsonBytes: number;
  cpuUsPer100: number[];
}

async function measureIndex(n: number, rounds: number): Promise<IndexResult> {
  const api = await startFakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-meta-'));
  try {
    const nodePods = populate(api, n);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig());
    const child = fork(join(import.meta.dirname, 'index-child.ts'), [kubeconfig, NODE, String(n), api.url, api.token], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = (kind: string): Promise<Record<string, number>> =>
      new Promise((resolve, reject) => {
        const on = (m: { kind: string; message?: string }): void => {
          if (m.kind === 'error') reject(new Error(m.message));
          if (m.kind !== kind) return;
          child.off('message', on);
          resolve(m as unknown as Record<string, number>);
        };
        child.on('message', on);
      });
    const synced = await next('synced');
    const cpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const ready = next('ready-for-updates');
      child.send({ kind: 'expect-updates', count: 100 });
      await ready;
      const done = next('updated');
      // 100 label changes on this node's pods: seen by the node watch and the cluster index.
      for (let i = 0; i < 100; i++) {
        const j = nodePods[i % nodePods.length]!;
        const pod = podJson({
          name: `pod-${j}`,
          namespace: `team-${j % 40}`,
          uid: testUid(1_000_000 + j),
          node: NODE,
          ip: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`,
          labels: { app: `app-${j % 300}`, rev: `${r}-${i}` },
          owner: { kind: 'StatefulSet', name: `db-${j % 50}` },
        });
        api.upsert('/api/v1/pods', pod);
      }
      cpu.push((await done).cpuUs!);
    }
    child.send({ kind: 'exit' });
    await new Promise((r) => child.once('exit', r));
    return {
      pods: n,
      syncMs: synced.syncMs!,
      heapIndexBytes: synced.heapIndexBytes!,
      heapLibBytes: synced.heapLibBytes!,
      rssBytes: synced.rssBytes!,
      fullObjectsHeapBytes: synced.fullObjectsHeapBytes!,
      listJsonBytes: synced.listJsonBytes!,
      cpuUsPer100: cpu,
    };
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Heap and RSS a library adds when imported alone into a fresh Node (median of 3 processes). */
function moduleCost(spec: string): { heapBytes: number; rssBytes: number } {
  const script =
    `const gc=()=>{for(let i=0;i<3;i++)global.gc()};gc();const a=process.memoryUsage();` +
    `import(${JSON.stringify(spec)}).then(()=>{gc();const b=process.memoryUsage();console.log(JSON.stringify({heapBytes:b.heapUsed-a.heapUsed,rssBytes:b.rss-a.rss}))})`;
  const runs = [0, 1, 2].map(
    () =>
      JSON.parse(spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') }).stdout) as {
        heapBytes: number;
        rssBytes: number;
      },
  );
  return { heapBytes: median(runs.map((r) => r.heapBytes)), rssBytes: median(runs.map((r) => r.rssBytes)) };
}

interface Latency {
  path: string;
  ms: number[];
}

async function firstNamed(agent: AgentHandle, pod: string, t0: number): Promise<number> {
  const a = await agent.waitForAlert((x) => x.rule === 'Bench Pod Named' && x.output_fields['k8s.pod.name'] === pod, 60_000);
  return a.receivedMs - t0;
}

async function measureLatency(rounds: number): Promise<Latency[]> {
  writeFileSync(
    PROBE,
    `# Written by bench/metadata/run.ts: the first event of a bench pod that carries its name.
- rule: Bench Pod Named
  desc: first process of a bench pod, named
  condition: evt.type = execve and k8s.ns.name = vigil-bench
  output: named %k8s.pod.name %k8s.container.name
  priority: DEBUG
`,
  );
  const results: Latency[] = [];
  const containerd = await startContainerd();
  try {
    const agent = await startAgent(['--cri-socket', containerd.socket, '--docker-socket', 'none', '--kube-api', 'off', '--rules', PROBE]);
    const ms: number[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const name = `cri-${r}-${process.pid}`;
        const pod = await containerd.runPod({ namespace: 'vigil-bench', pod: name, container: 'app', command: ['/bin/sh', '-c', 'sleep 3'] });
        ms.push(await firstNamed(agent, name, pod.startedAtMs!));
        await containerd.removePod(pod);
      }
    } finally {
      await agent.stop();
    }
    results.push({ path: 'containerd (CRI)', ms });
  } finally {
    await containerd.stop();
  }
  // Baseline: the Docker engine path, kubelet-style names and labels on the container.
  const agent = await startAgent(['--cri-socket', 'none', '--kube-api', 'off', '--rules', PROBE]);
  const ms: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const name = `dock-${r}-${process.pid}`;
      const uid = testUid(5_000_000 + r + (process.pid % 1000) * 100);
      const id = execFileSync(
        'docker',
        [
          'create',
          '--name',
          `vigilbench-meta-${name}`,
          '--cgroup-parent',
          `/kubepods/besteffort/pod${uid}`,
          '--label',
          `io.kubernetes.pod.name=${name}`,
          '--label',
          'io.kubernetes.pod.namespace=vigil-bench',
          '--label',
          `io.kubernetes.pod.uid=${uid}`,
          '--label',
          'io.kubernetes.container.name=app',
          'vigil-test/busybox:latest',
          '/bin/sh',
          '-c',
          'sleep 3',
        ],
        { encoding: 'utf8' },
      ).trim();
      const t0 = Date.now();
      execFileSync('docker', ['start', id], { stdio: 'ignore' });
      try {
        ms.push(await firstNamed(agent, name, t0));
      } finally {
        execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
      }
    }
  } finally {
    await agent.stop();
  }
  results.push({ path: 'Docker engine (baseline)', ms });
  rmSync(PROBE, { force: true });
  return results;
}

async function main(): Promise<void> {
  const started = new Date();
  const load = loadavg();
  const rounds = quick ? 3 : 20;
  const index: IndexResult[] = [];
  for (const n of [1_000, 10_000]) {
    log(`pod index at ${n} pods`);
    index.push(await measureIndex(n, rounds));
  }
  const modules = ['@grpc/grpc-js', '@grpc/proto-loader', '@kubernetes/client-node'].map((m) => ({ m, ...moduleCost(m) }));
  const latency = skipLatency ? [] : await measureLatency(quick ? 3 : 10);
  const lines = [
    '# bench/metadata results',
    '',
    `Run ${started.toISOString()} on ${process.platform} (${loadavg().length} load averages at start: ${load.map((x) => x.toFixed(2)).join(' ')}), Node ${process.version}${quick ? ', quick mode' : ''}. Written by \`bench/metadata/run.ts\`.`,
    '',
    '## Pod index memory (API watch: node pods + cluster-wide pod-IP index + ReplicaSet/Job owners)',
    '',
    '| Pods in the cluster | vigil index (heap) | Full pod objects, same list (heap, baseline) | Ratio | List JSON | Sync (list) | Child RSS | @kubernetes/client-node loaded (heap; kubeconfig path only) |',
    '|---|---|---|---|---|---|---|---|',
    ...index.map(
      (r) =>
        `| ${r.pods.toLocaleString('en')} | ${mb(r.heapIndexBytes)} MB | ${mb(r.fullObjectsHeapBytes)} MB | ${(r.heapIndexBytes / r.fullObjectsHeapBytes).toFixed(2)}x | ${mb(r.listJsonBytes)} MB | ${r.syncMs.toFixed(0)} ms | ${mb(r.rssBytes)} MB | ${mb(r.heapLibBytes)} MB |`,
    ),
    '',
    "The generated pods carry no managedFields and a short status, so real pod objects (and the baseline) are larger than these; the child's RSS includes the tsx loader and client-node (the bench reaches the server through a kubeconfig).",
    '',
    "## CPU per 100 pod updates (watch events on this node's pods, seen by the node watch and the cluster index)",
    '',
    '| Pods in the cluster | median | p90 | rounds |',
    '|---|---|---|---|',
    ...index.map((r) => `| ${r.pods.toLocaleString('en')} | ${(median(r.cpuUsPer100) / 1000).toFixed(1)} ms | ${(pct(r.cpuUsPer100, 90) / 1000).toFixed(1)} ms | ${r.cpuUsPer100.length} |`),
    '',
    '## What the client libraries cost when loaded (each alone, fresh Node, median of 3)',
    '',
    'Why grpc-js loads only on nodes with a CRI runtime, and client-node only for kubeconfig files (in-cluster access is a token and a CA).',
    '',
    '| Module | heap | RSS |',
    '|---|---|---|',
    ...modules.map((x) => `| \`${x.m}\` | ${mb(x.heapBytes)} MB | ${mb(x.rssBytes)} MB |`),
    '',
    '## Attribution latency: container start to the first event that names its pod',
    '',
    ...(latency.length === 0
      ? ['_not measured in this run (--skip-latency)_']
      : [
          '| Path | p50 | p90 | max | rounds |',
          '|---|---|---|---|---|',
          ...latency.map((l) => `| ${l.path} | ${median(l.ms).toFixed(0)} ms | ${pct(l.ms, 90).toFixed(0)} ms | ${Math.max(...l.ms).toFixed(0)} ms | ${l.ms.length} |`),
          '',
          "Measured from just before StartContainer (CRI) / `docker start` (baseline) to the moment the test read the alert of the container's first execve carrying `k8s.pod.name`; that event waits in the enrichment hold until the runtime named the container.",
        ]),
    '',
  ];
  writeFileSync(out, lines.join('\n'));
  log(`wrote ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
