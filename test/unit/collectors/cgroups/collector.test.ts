import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ContainerChange, createContainerCollector } from '../../../../collectors/cgroups/index.js';
import { copyFixture, ID, PROC, series, testDeps, UID, until, V1, V2 } from './helpers.js';

describe('createContainerCollector on fixture trees (no Docker engine)', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function start(src: string) {
    const { dir, cleanup } = copyFixture(src);
    const deps = testDeps();
    const c = createContainerCollector(deps, { cgroupRoot: dir, procRoot: PROC, dockerSocket: join(dir, 'no-such.sock'), resyncIntervalMs: 60_000 });
    const changes: ContainerChange[] = [];
    c.onChange((ch) => changes.push(ch));
    const ac = new AbortController();
    cleanups.push(async () => {
      await c.stop();
      cleanup();
    });
    await c.start(ac.signal);
    return { dir, deps, c, changes, ac };
  }

  it('v1: discovers docker (cgroupfs and systemd), kubelet, containerd and CRI-O containers', async () => {
    const { c, deps } = await start(V1);
    const byId = new Map(c.list().map((i) => [i.id, i]));
    expect([...byId.keys()].sort()).toEqual([ID.A, ID.B, ID.C, ID.D, ID.E].sort());
    expect(byId.get(ID.A)).toMatchObject({ runtime: 'docker', cgroupPath: `/docker/${ID.A}`, pid: 4242, labels: {} });
    expect(byId.get(ID.B)).toMatchObject({ runtime: 'unknown', podUid: UID });
    expect(byId.get(ID.D)?.runtime).toBe('containerd');
    expect(byId.get(ID.E)?.runtime).toBe('cri-o');
    expect(c.get(ID.A)?.startTimeSec).toBeGreaterThan(0);
    const text = await deps.registry.metrics();
    expect(series(text, 'vigil_runtime_up')).toEqual(['vigil_runtime_up{runtime="docker"} 0']);
    expect(series(text, 'vigil_containers')).toEqual(['vigil_containers 5']);
  });

  it('v1: exposes cAdvisor metrics with cAdvisor labels', async () => {
    const { deps } = await start(V1);
    const text = await deps.registry.metrics();
    const lbl = `id="/docker/${ID.A}",name="",image="",namespace="",pod="",container=""`;
    expect(text).toContain(`container_cpu_usage_seconds_total{${lbl},cpu="total"} 1.5`);
    expect(text).toContain(`container_cpu_user_seconds_total{${lbl}} 1`);
    expect(text).toContain(`container_memory_working_set_bytes{${lbl}} 9000000`);
    expect(text).toContain(`container_memory_rss{${lbl}} 5000000`);
    expect(text).toContain(`container_fs_reads_bytes_total{${lbl},device="/dev/sda"} 4096`);
    expect(text).toContain(`container_fs_writes_bytes_total{${lbl},device="/dev/dm-1"} 200`);
    expect(text).toContain(`container_network_receive_bytes_total{${lbl},interface="eth0"} 123456`);
    expect(text).toContain(`container_network_transmit_bytes_total{${lbl},interface="eth0"} 65432`);
    expect(text).not.toContain('interface="lo"');
    // Container D's pid is in the host netns: no network series for it.
    const dNet = series(text, 'container_network_receive_bytes_total').filter((l) => l.includes(ID.D));
    expect(dNet).toEqual([]);
    expect(series(text, 'container_last_seen').length).toBe(5);
    expect(series(text, 'container_memory_usage_bytes').length).toBe(5);
  });

  it('v1: a new container cgroup is added, a removed one leaves no series', async () => {
    const { dir, deps, c, changes } = await start(V1);
    const newId = '7'.repeat(64);
    mkdirSync(join(dir, 'memory', 'docker', newId));
    await until(() => c.get(newId));
    expect(changes.find((ch) => ch.container.id === newId)?.kind).toBe('added');

    rmSync(join(dir, 'memory', 'docker', ID.A), { recursive: true });
    await until(() => c.get(ID.A) === undefined);
    expect(changes.filter((ch) => ch.kind === 'removed').map((ch) => ch.container.id)).toEqual([ID.A]);
    await new Promise((r) => setTimeout(r, 300)); // past the per-scrape sample cache
    const text = await deps.registry.metrics();
    expect(text).not.toContain(ID.A);
    expect(text).toContain(newId);
  });

  it('each scrape reads the files afresh (no stale values between scrapes)', async () => {
    const { dir, deps } = await start(V1);
    const line = `container_cpu_usage_seconds_total{id="/docker/${ID.A}",name="",image="",namespace="",pod="",container="",cpu="total"}`;
    expect(await deps.registry.metrics()).toContain(`${line} 1.5`);
    writeFileSync(join(dir, 'cpuacct', 'docker', ID.A, 'cpuacct.usage'), '2500000000\n');
    await new Promise((r) => setTimeout(r, 120));
    expect(await deps.registry.metrics()).toContain(`${line} 2.5`);
  });

  it('v1 with the combined cpu,cpuacct mount reads cpu', async () => {
    const { dir, cleanup } = copyFixture(V1);
    cleanups.push(cleanup);
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'cpuacct'), join(dir, 'cpu,cpuacct'));
    rmSync(join(dir, 'cpu'), { recursive: true });
    const deps = testDeps();
    const c = createContainerCollector(deps, { cgroupRoot: dir, procRoot: PROC, dockerSocket: '/nonexistent.sock', resyncIntervalMs: 60_000 });
    cleanups.push(() => c.stop());
    await c.start(new AbortController().signal);
    expect(await deps.registry.metrics()).toMatch(new RegExp(`container_cpu_usage_seconds_total\\{id="/docker/${ID.A}".*\\} 1.5`));
  });

  it('v2: discovers containers, survives a hostile container, and reports its bad files', async () => {
    const { c, deps } = await start(V2);
    expect(c.list().length).toBe(5);
    const text = await deps.registry.metrics();
    expect(text).toContain(`container_cpu_usage_seconds_total{id="/system.slice/docker-${'c'.repeat(64)}.scope"`);
    expect(deps.reported.some((r) => r.component === 'containers' && r.stage === 'cpu.stat')).toBe(true);
    // The hostile container has no cpu or memory usage series, but is still known.
    expect(series(text, 'container_memory_usage_bytes').some((l) => l.includes(ID.H))).toBe(false);
    expect(series(text, 'container_last_seen').some((l) => l.includes(ID.H))).toBe(true);
  });

  it('v2: a systemd-driver container started later is found', async () => {
    const { dir, c } = await start(V2);
    // A file write is not a cgroup; a dir under a non-watched container is not searched.
    writeFileSync(join(dir, 'system.slice', 'x'), '');
    const id = '8'.repeat(64);
    mkdirSync(join(dir, 'system.slice', `docker-${id}.scope`));
    await until(() => c.get(id));
  });

  it('stop is idempotent, safe before start, and clears the list', async () => {
    const deps = testDeps();
    const c = createContainerCollector(deps, { cgroupRoot: V2, procRoot: PROC, dockerSocket: '/nonexistent.sock', resyncIntervalMs: 1000 });
    await c.stop();
    await c.start(new AbortController().signal);
    expect(c.list().length).toBe(5);
    await c.stop();
    await c.stop();
    expect(c.list()).toEqual([]);
    expect(series(await deps.registry.metrics(), 'container_last_seen')).toEqual([]);
  });

  it('a missing cgroup root is reported, not thrown', async () => {
    const deps = testDeps();
    const c = createContainerCollector(deps, { cgroupRoot: '/nonexistent/cgroup', procRoot: PROC, dockerSocket: '/nonexistent.sock', resyncIntervalMs: 1000 });
    await c.start(new AbortController().signal);
    expect(c.list()).toEqual([]);
    expect(deps.reported.map((r) => r.stage)).toContain('layout');
    await c.stop();
  });
});
