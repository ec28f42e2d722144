import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeCollector, DEFAULT_NODE_COLLECTOR_CONFIG, type NodeCollectorConfig, type NodeInventory, type StatfsResult } from '../../../../collectors/node/index.js';
import { FIXTURES, hasPromtool, promtoolCheck, seriesOf, testDeps } from './helpers.js';

const INVENTORY: NodeInventory = {
  os: 'Debian GNU/Linux',
  osRelease: '12',
  kernel: '6.1.0',
  arch: 'x64',
  cpuModel: 'AMD EPYC "Genoa"',
  cpuCores: 2,
  memoryBytes: 25276510208,
  hostname: 'node-a',
};
const STAT: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 600, bavail: 500, files: 100, ffree: 40 };

function cfg(procRoot: string, over: Partial<NodeCollectorConfig> = {}): NodeCollectorConfig {
  return Object.freeze({ ...DEFAULT_NODE_COLLECTOR_CONFIG, procRoot, statfsTimeoutMs: 50, sampleIntervalMs: 60_000, ...over });
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('createNodeCollector on a fixture /proc', () => {
  it('serves node_exporter-named series that pass promtool with no findings', async () => {
    const deps = testDeps();
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc')), {
      statfs: async () => STAT,
      inventory: async () => INVENTORY,
    });
    stops.push(() => c.stop());
    await c.start(new AbortController().signal);
    const text = await deps.registry.metrics();

    const cpu = seriesOf(text, 'node_cpu_seconds_total');
    expect(cpu.size).toBe(16);
    expect(cpu.get('{cpu="1",mode="iowait"}')).toBe(1.68);
    expect(seriesOf(text, 'node_pressure_io_stalled_seconds_total').get('')).toBe(1.499347);
    expect(seriesOf(text, 'node_pressure_cpu_waiting_seconds_total').get('')).toBe(12.000695);
    expect(seriesOf(text, 'node_load15').get('')).toBe(0.1);
    const size = seriesOf(text, 'node_filesystem_size_bytes');
    expect([...size.keys()].sort()).toEqual([
      '{device="/dev/vda",fstype="ext4",mountpoint="/"}',
      '{device="/dev/vda",fstype="ext4",mountpoint="/var/lib/docker"}',
      '{device="/dev/vdb",fstype="xfs",mountpoint="/data/my disk"}',
      '{device="/dev/vdc",fstype="ext4",mountpoint="/mnt/ro"}',
      '{device="server:/export dir",fstype="nfs4",mountpoint="/mnt/nfs"}',
      '{device="tmpfs",fstype="tmpfs",mountpoint="/run"}',
    ]);
    expect(seriesOf(text, 'node_filesystem_readonly').get('{device="/dev/vdc",fstype="ext4",mountpoint="/mnt/ro"}')).toBe(1);
    expect(text).toContain(
      'vigil_node_info{os="Debian GNU/Linux",os_release="12",kernel="6.1.0",arch="x64",cpu_model="AMD EPYC \\"Genoa\\"",cpu_cores="2",memory_bytes="25276510208",hostname="node-a"} 1',
    );

    const sample = c.latest();
    expect(sample?.memory).toEqual({ totalBytes: 24684092 * 1024, availableBytes: 24266264 * 1024 });
    expect(sample?.psi?.io?.some?.avg10).toBe(0.14);
    expect(deps.reported).toEqual([]);

    if (hasPromtool()) expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });

  it('emits no PSI series (and reports nothing) without /proc/pressure', async () => {
    const deps = testDeps();
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node-nopsi/proc')), {
      statfs: async () => STAT,
      inventory: async () => INVENTORY,
    });
    stops.push(() => c.stop());
    await c.start(new AbortController().signal);
    const text = await deps.registry.metrics();
    expect(text).not.toMatch(/^node_pressure_/m);
    expect(c.latest()?.psi).toBeUndefined();
    expect(seriesOf(text, 'node_cpu_seconds_total').size).toBe(16);
    expect(deps.reported).toEqual([]);
    if (hasPromtool()) expect(promtoolCheck(text).status).toBe(0);
  });

  it('keeps node_cpu_seconds_total monotonic when /proc/stat steps back, in samples and at scrape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-node-'));
    try {
      cpSync(join(FIXTURES, 'node/proc'), dir, { recursive: true });
      const deps = testDeps();
      const c = createNodeCollector(deps, cfg(dir), { statfs: async () => STAT, inventory: async () => INVENTORY });
      stops.push(() => c.stop());
      const first = await c.sampleNow();
      expect(first.cpu.perCpu[1]?.seconds.iowait).toBe(1.68);
      // cpu1 iowait 168 → 150 ticks, user 2714 → 2814.
      const stat = readFileSync(join(dir, 'stat'), 'utf8').replace('cpu1 2714 6 1493 31900 168', 'cpu1 2814 6 1493 31900 150').replace('cpu  4602 10 2606 65142 208', 'cpu  4702 10 2606 65142 190');
      writeFileSync(join(dir, 'stat'), stat);
      const second = await c.sampleNow();
      expect(second.cpu.perCpu[1]?.seconds.iowait).toBe(1.68);
      expect(second.cpu.perCpu[1]?.seconds.user).toBe(28.14);
      expect(second.cpu.total.iowait).toBe(2.08);
      expect(second.cpu.interval?.cpuSeconds).toBe(1);
      expect(second.cpu.interval?.ratio.user).toBe(1);
      const text = await deps.registry.metrics();
      expect(seriesOf(text, 'node_cpu_seconds_total').get('{cpu="1",mode="iowait"}')).toBe(1.68);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('completes a sample with device_error 1 when statfs never settles, without piling up calls', async () => {
    const deps = testDeps();
    let calls = 0;
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc'), { statfsTimeoutMs: 20 }), {
      statfs: (p) => {
        if (p === '/mnt/nfs') {
          calls++;
          return new Promise<StatfsResult>(() => {});
        }
        return Promise.resolve(STAT);
      },
      inventory: async () => INVENTORY,
    });
    stops.push(() => c.stop());
    await c.start(new AbortController().signal);
    for (let i = 0; i < 3; i++) await c.sampleNow();
    expect(calls).toBe(1);
    const nfs = c.latest()?.filesystems.find((f) => f.mountpoint === '/mnt/nfs');
    expect(nfs).toMatchObject({ deviceError: true, errorReason: 'stuck' });
    const text = await deps.registry.metrics();
    const labels = '{device="server:/export dir",fstype="nfs4",mountpoint="/mnt/nfs"}';
    expect(seriesOf(text, 'node_filesystem_device_error').get(labels)).toBe(1);
    expect(seriesOf(text, 'node_filesystem_size_bytes').has(labels)).toBe(false);
    expect(seriesOf(text, 'node_filesystem_device_error').get('{device="/dev/vda",fstype="ext4",mountpoint="/"}')).toBe(0);
    if (hasPromtool()) expect(promtoolCheck(text).status).toBe(0);
  });

  it('does not wait for a slow inventory past inventoryWaitMs, and adds vigil_node_info when it arrives', async () => {
    const deps = testDeps();
    let resolveInv: ((i: NodeInventory) => void) | undefined;
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc'), { inventoryWaitMs: 10 }), {
      statfs: async () => STAT,
      inventory: () =>
        new Promise((r) => {
          resolveInv = r;
        }),
    });
    stops.push(() => c.stop());
    await c.start(new AbortController().signal);
    expect(c.inventory()).toBeUndefined();
    expect(await deps.registry.metrics()).not.toMatch(/^vigil_node_info/m);
    resolveInv?.(INVENTORY);
    await new Promise((r) => setImmediate(r));
    expect(c.inventory()).toEqual(INVENTORY);
    expect(await deps.registry.metrics()).toMatch(/^vigil_node_info\{.*hostname="node-a"\} 1$/m);
  });

  it('reports a failing inventory instead of throwing', async () => {
    const deps = testDeps();
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc')), {
      statfs: async () => STAT,
      inventory: async () => {
        throw new Error('no dmidecode');
      },
    });
    stops.push(() => c.stop());
    await c.start(new AbortController().signal);
    expect(deps.reported.map((r) => r.stage)).toEqual(['inventory']);
  });
});

describe('node collector lifecycle', () => {
  it('stop is idempotent and safe before start; start after stop does nothing', async () => {
    const deps = testDeps();
    let statfsCalls = 0;
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc')), {
      statfs: async () => {
        statfsCalls++;
        return STAT;
      },
      inventory: async () => INVENTORY,
    });
    await c.stop();
    await c.stop();
    await c.start(new AbortController().signal);
    expect(statfsCalls).toBe(0);
    expect(c.latest()).toBeUndefined();
  });

  it('does not start on an already aborted signal', async () => {
    const deps = testDeps();
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc')), {
      statfs: async () => STAT,
      inventory: async () => INVENTORY,
    });
    const ac = new AbortController();
    ac.abort();
    await c.start(ac.signal);
    expect(c.latest()).toBeUndefined();
    await c.stop();
  });

  it('samples periodically, notifies listeners, survives a throwing listener, and stops on abort', async () => {
    const deps = testDeps();
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc'), { sampleIntervalMs: 5 }), {
      statfs: async () => STAT,
      inventory: async () => INVENTORY,
    });
    const seen: number[] = [];
    const unsubscribe = c.onSample((s) => seen.push(s.timeMs));
    c.onSample(() => {
      throw new Error('listener bug');
    });
    const ac = new AbortController();
    await c.start(ac.signal);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (seen.length >= 3) {
          clearInterval(t);
          resolve();
        }
      }, 2);
    });
    unsubscribe();
    ac.abort();
    await c.stop();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(seen.length).toBe(count);
    expect(deps.reported.some((r) => r.stage === 'listener')).toBe(true);
  });

  it('concurrent sampleNow calls share one sample instead of overlapping', async () => {
    const deps = testDeps();
    let inFlight = 0;
    let maxInFlight = 0;
    const c = createNodeCollector(deps, cfg(join(FIXTURES, 'node/proc')), {
      statfs: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return STAT;
      },
      inventory: async () => INVENTORY,
    });
    const [a, b] = await Promise.all([c.sampleNow(), c.sampleNow()]);
    expect(a).toBe(b);
    // 6 mounts, 4 statfs workers.
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it('rejects a bad config with a message naming the key', () => {
    expect(() => createNodeCollector(testDeps(), cfg('/proc', { sampleIntervalMs: 0 }))).toThrow(/node\.sampleIntervalMs/);
  });
});
