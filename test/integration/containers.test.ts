import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerCollector, createContainerCollector } from '../../collectors/cgroups/index.js';
import { docker, integrationUnavailable, TEST_IMAGE } from './docker-env.js';
import { testDeps } from '../helpers/deps.js';

const skip = integrationUnavailable();
const PREFIX = 'vigil-cgit-';
const CGROUP_ROOT = '/sys/fs/cgroup';
const engine = new Docker({ socketPath: '/var/run/docker.sock' });

const deps = testDeps;

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Value of the one series of `name` whose labels include `id="<cgroupPath>"` (and `extra`). */
async function metric(registry: Registry, name: string, cgroupPath: string, extra = ''): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{id="${cgroupPath}"`) && l.includes(extra));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function run(name: string, args: string[], cmd: string[]): string {
  return docker('run', '-d', '--name', PREFIX + name, ...args, TEST_IMAGE, ...cmd);
}

/** Pod cgroups that `--cgroup-parent` made; Docker leaves them behind. */
const podDirs: string[] = [];
function kubeletArgs(pod: string, namespace: string, container: string): { uid: string; args: string[] } {
  const uid = randomUUID();
  podDirs.push(`kubepods/besteffort/pod${uid}`);
  return {
    uid,
    args: [
      '--cgroup-parent',
      `/kubepods/besteffort/pod${uid}`,
      '--label',
      `io.kubernetes.pod.name=${pod}`,
      '--label',
      `io.kubernetes.pod.namespace=${namespace}`,
      '--label',
      `io.kubernetes.pod.uid=${uid}`,
      '--label',
      `io.kubernetes.container.name=${container}`,
    ],
  };
}

function removeOurContainers(): void {
  const ids = docker('ps', '-aq', '--filter', `name=^${PREFIX}`).split('\n').filter(Boolean);
  if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

describe.skipIf(skip)('container discovery and stats on the real Docker engine', () => {
  const d = deps();
  let c: ContainerCollector;
  const ac = new AbortController();

  beforeAll(async () => {
    removeOurContainers();
    c = createContainerCollector(d, { cgroupRoot: CGROUP_ROOT, procRoot: '/proc', dockerSocket: '/var/run/docker.sock', resyncIntervalMs: 5_000 });
    await c.start(ac.signal);
  });

  afterAll(async () => {
    await c?.stop();
    removeOurContainers();
    for (const rel of podDirs) {
      for (const hier of readdirSync(CGROUP_ROOT)) {
        const dir = join(CGROUP_ROOT, hier, rel);
        try {
          if (existsSync(dir)) rmdirSync(dir);
        } catch {
          /* still busy or not ours to remove */
        }
      }
    }
  });

  it('finds a kubelet-style container within 2 s, with namespace / pod / container, and drops it with its series on removal', async () => {
    const { uid, args } = kubeletArgs('web-0', 'shop', 'nginx');
    const id = run('kube', args, ['sleep', '300']);
    // The spec: a container started after the agent appears within 2 s.
    const info = await until(() => c.get(id), 2_000, 'container discovered');
    expect(info.cgroupPath).toBe(`/kubepods/besteffort/pod${uid}/${id}`);
    expect(info.podUid).toBe(uid);
    const enriched = await until(() => c.get(id)?.k8s && c.get(id), 5_000, 'container enriched');
    expect(enriched).toMatchObject({
      runtime: 'docker',
      name: `${PREFIX}kube`,
      image: TEST_IMAGE,
      privileged: false,
      k8s: { namespace: 'shop', pod: 'web-0', container: 'nginx', podUid: uid },
    });
    const text = await d.registry.metrics();
    expect(text).toContain(`container_memory_working_set_bytes{id="/kubepods/besteffort/pod${uid}/${id}",name="${PREFIX}kube",image="${TEST_IMAGE}",namespace="shop",pod="web-0",container="nginx"}`);

    docker('rm', '-f', id);
    await until(() => c.get(id) === undefined, 5_000, 'container removed');
    expect(await d.registry.metrics()).not.toContain(id);
    expect(c.list().some((i) => i.id === id)).toBe(false);
  });

  it('reports cpu and memory within 5 % of the Docker stats API', async () => {
    // Half a core, so the busy loop does not starve the other tests on 2 cores;
    // 60 MiB in /dev/shm (tmpfs, charged to the container and never reclaimed).
    const id = run('burn', ['--cpus', '0.5'], ['sh', '-c', 'head -c 60m /dev/zero > /dev/shm/x; while :; do :; done']);
    try {
      const path = (await until(() => c.get(id), 5_000, 'burner discovered')).cgroupPath;
      await until(async () => ((await metric(d.registry, 'container_memory_usage_bytes', path)) ?? 0) > 60 * 2 ** 20, 20_000, '60 MiB resident');

      const ctr = engine.getContainer(id);
      // one-shot: no second sample wait; the engine reads the cgroup files now.
      const stats = async (): Promise<Docker.ContainerStats> => (await ctr.stats({ stream: false, 'one-shot': true } as { stream: false })) as Docker.ContainerStats;
      // Bracket each engine read by two of ours and take their midpoint, so the
      // comparison is over (almost) the same interval.
      const bracket = async () => {
        const a = (await metric(d.registry, 'container_cpu_usage_seconds_total', path, 'cpu="total"'))!;
        const s = await stats();
        const b = (await metric(d.registry, 'container_cpu_usage_seconds_total', path, 'cpu="total"'))!;
        return { ours: (a + b) / 2, engine: s.cpu_stats.cpu_usage.total_usage / 1e9, stats: s };
      };
      const t0 = await bracket();
      await new Promise((r) => setTimeout(r, 4_000));
      const t1 = await bracket();
      const ourCpu = t1.ours - t0.ours;
      const engineCpu = t1.engine - t0.engine;
      expect(engineCpu).toBeGreaterThan(0.5); // the loop really ran
      expect(Math.abs(ourCpu - engineCpu) / engineCpu).toBeLessThan(0.05);

      // Memory: the engine's memory_stats.usage is memory.usage_in_bytes (v1) /
      // memory.current (v2), the same figure as container_memory_usage_bytes;
      // `docker stats` shows usage minus inactive_file, which is cAdvisor's
      // working set, so both are compared.
      const usage = (await metric(d.registry, 'container_memory_usage_bytes', path))!;
      const ws = (await metric(d.registry, 'container_memory_working_set_bytes', path))!;
      const s = (await stats()).memory_stats as { usage: number; stats: Record<string, number> };
      const inactive = s.stats.total_inactive_file ?? s.stats.inactive_file ?? 0;
      expect(Math.abs(usage - s.usage) / s.usage).toBeLessThan(0.05);
      expect(Math.abs(ws - (s.usage - inactive)) / (s.usage - inactive)).toBeLessThan(0.05);
      expect(ws).toBeGreaterThan(60 * 2 ** 20);
    } finally {
      docker('rm', '-f', id);
    }
  });

  it('counts network bytes between two of our containers on the default bridge', async () => {
    const N = 512 * 1024;
    // busybox nc closes the connection when its own stdin ends: keep it open.
    const srv = run('nc-srv', [], ['sh', '-c', 'sleep 300 | nc -l -p 9000 > /dev/null']);
    const ip = docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', srv);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const srvPath = (await until(() => c.get(srv), 5_000, 'server discovered')).cgroupPath;
    const rx0 = await until(() => metric(d.registry, 'container_network_receive_bytes_total', srvPath, 'interface="eth0"'), 5_000, 'server rx series');
    // The client waits until we have its baseline, then sends N bytes and stays up.
    const cli = run('nc-cli', [], ['sh', '-c', `sleep 2; head -c ${N} /dev/zero | nc ${ip} 9000; sleep 300`]);
    const cliPath = (await until(() => c.get(cli), 2_000, 'client discovered')).cgroupPath;
    const tx0 = await until(() => metric(d.registry, 'container_network_transmit_bytes_total', cliPath, 'interface="eth0"'), 2_000, 'client tx series');
    await until(async () => (await metric(d.registry, 'container_network_receive_bytes_total', srvPath, 'interface="eth0"'))! - rx0 >= N, 20_000, 'server received N bytes');
    await until(async () => (await metric(d.registry, 'container_network_transmit_bytes_total', cliPath, 'interface="eth0"'))! - tx0 >= N, 20_000, 'client sent N bytes');
    const text = await d.registry.metrics();
    expect(text).not.toMatch(new RegExp(`container_network_receive_bytes_total\\{id="${srvPath}"[^}]*interface="lo"`));
    docker('rm', '-f', srv, cli);
  });

  it('without the Docker socket, containers are still found from cgroups and vigil_runtime_up is 0', async () => {
    const id = run('nosock', [], ['sleep', '300']);
    const d2 = deps();
    const c2 = createContainerCollector(d2, { cgroupRoot: CGROUP_ROOT, procRoot: '/proc', dockerSocket: '/nonexistent/docker.sock', resyncIntervalMs: 5_000 });
    try {
      await c2.start(new AbortController().signal);
      const info = await until(() => c2.get(id), 2_000, 'found without the engine');
      expect(info.name).toBeUndefined();
      expect(info.runtime).toBe('docker');
      const text = await d2.registry.metrics();
      expect(text).toContain('vigil_runtime_up{runtime="docker"} 0');
      expect(text).toContain(`container_cpu_usage_seconds_total{id="/docker/${id}",name="",image=""`);
    } finally {
      await c2.stop();
      docker('rm', '-f', id);
    }
  });

  it('resumes enrichment when the engine socket appears later (socat proxy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sock-'));
    const sock = join(dir, 'docker.sock');
    const id = run('late', ['--label', 'team=blue'], ['sleep', '300']);
    const d3 = deps();
    const c3 = createContainerCollector(d3, { cgroupRoot: CGROUP_ROOT, procRoot: '/proc', dockerSocket: sock, resyncIntervalMs: 5_000, dockerRetryMaxMs: 200 });
    let proxy: ChildProcess | undefined;
    try {
      await c3.start(new AbortController().signal);
      expect((await until(() => c3.get(id), 2_000, 'found')).labels).toEqual({});
      proxy = spawn('socat', [`UNIX-LISTEN:${sock},fork`, 'UNIX-CONNECT:/var/run/docker.sock'], { stdio: 'ignore' });
      const info = await until(() => (c3.get(id)?.name ? c3.get(id) : undefined), 10_000, 'enriched after the socket appeared');
      expect(info.labels.team).toBe('blue');
      expect(await d3.registry.metrics()).toContain('vigil_runtime_up{runtime="docker"} 1');
      // The socket goes away again: the runtime is marked down, discovery goes on.
      proxy.kill();
      await new Promise((r) => proxy!.once('exit', r));
      rmSync(sock, { force: true });
      const id2 = run('late2', [], ['sleep', '300']);
      await until(() => c3.get(id2), 2_000, 'found while the engine is gone');
      await until(async () => (await d3.registry.metrics()).includes('vigil_runtime_up{runtime="docker"} 0'), 15_000, 'runtime marked down');
      docker('rm', '-f', id2);
    } finally {
      proxy?.kill();
      await c3.stop();
      docker('rm', '-f', id);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
