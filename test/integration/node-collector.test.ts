/**
 * The node collector against the real host, side by side with Debian's
 * prometheus-node-exporter: same filesystems (label sets and sizes), same
 * cpu seconds, promtool-clean output, and a loop-mounted ext4 image that
 * flips readonly on remount.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeCollector, DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_NODE_COLLECTOR_CONFIG, type NodeCollector } from '../../collectors/node/index.js';
import { integrationUnavailable } from './docker-env.js';
import { promtoolCheck, seriesOf } from '../unit/collectors/node/helpers.js';

const unavailable = integrationUnavailable();

const goRegex = (re: RegExp): string => re.source.replaceAll('\\/', '/');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

type Families = Map<string, Map<string, number>>;

const FS_FAMILIES = [
  'node_filesystem_size_bytes',
  'node_filesystem_avail_bytes',
  'node_filesystem_free_bytes',
  'node_filesystem_files',
  'node_filesystem_files_free',
  'node_filesystem_readonly',
  'node_filesystem_device_error',
];

function families(text: string, names: readonly string[]): Families {
  return new Map(names.map((n) => [n, seriesOf(text, n)]));
}

function helpOf(text: string, family: string): string | undefined {
  return new RegExp(`^# HELP ${family} (.*)$`, 'm').exec(text)?.[1];
}

describe.skipIf(unavailable)('node collector vs prometheus-node-exporter on this host', () => {
  let exporter: ChildProcess | undefined;
  let exporterUrl = '';
  let collector: NodeCollector | undefined;
  const registry = new Registry();
  let workDir = '';
  let loopMount = '';
  let mounted = false;

  const scrapeExporter = async (): Promise<string> => (await fetch(exporterUrl)).text();
  const scrapeOurs = async (): Promise<string> => {
    await collector!.sampleNow();
    return registry.metrics();
  };

  beforeAll(async () => {
    workDir = mkdtempSync('/tmp/vigil-node-it-');
    const img = join(workDir, 'disk.img');
    loopMount = join(workDir, 'mnt with space');
    mkdirSync(loopMount);
    execFileSync('dd', ['if=/dev/zero', `of=${img}`, 'bs=1M', 'count=20', 'status=none']);
    execFileSync('mkfs.ext4', ['-q', img]);
    execFileSync('mount', ['-o', 'loop', img, loopMount]);
    mounted = true;

    const port = await freePort();
    exporterUrl = `http://127.0.0.1:${port}/metrics`;
    // Same exclusions on both sides: Debian patches node_exporter's default to
    // also hide /run, /mnt and /media, upstream (and vigil) do not.
    exporter = spawn(
      'prometheus-node-exporter',
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.cpu',
        '--collector.filesystem',
        '--collector.pressure',
        '--collector.loadavg',
        `--collector.filesystem.mount-points-exclude=${goRegex(DEFAULT_MOUNT_POINTS_EXCLUDE)}`,
        `--collector.filesystem.fs-types-exclude=${goRegex(DEFAULT_FS_TYPES_EXCLUDE)}`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(exporterUrl)).ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    collector = createNodeCollector(
      {
        log: pino({ level: 'silent' }),
        registry,
        errors: {
          report: (c, s, e) => {
            throw new Error(`${c}/${s}: ${String(e)}`);
          },
        },
      },
      Object.freeze({ ...DEFAULT_NODE_COLLECTOR_CONFIG, sampleIntervalMs: 60_000 }),
    );
    await collector.start(new AbortController().signal);
  });

  afterAll(async () => {
    await collector?.stop();
    exporter?.kill('SIGTERM');
    if (mounted) execFileSync('umount', [loopMount]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * Other engineers share this machine and may mount things meanwhile: take
   * exporter, ours, exporter, and accept only when both exporter scrapes agree.
   */
  async function stableFilesystemScrape(): Promise<{ theirs: string; ours: string }> {
    for (let attempt = 0; ; attempt++) {
      const before = await scrapeExporter();
      const ours = await scrapeOurs();
      const after = await scrapeExporter();
      const keys = (t: string) => [...seriesOf(t, 'node_filesystem_device_error').keys()].sort().join('\n');
      if (keys(before) === keys(after) || attempt >= 4) return { theirs: after, ours };
    }
  }

  it('reports the same filesystems, label sets and sizes as node_exporter', async () => {
    const { theirs, ours } = await stableFilesystemScrape();
    const t = families(theirs, FS_FAMILIES);
    const o = families(ours, FS_FAMILIES);
    for (const name of FS_FAMILIES) {
      expect([...o.get(name)!.keys()].sort(), name).toEqual([...t.get(name)!.keys()].sort());
      expect(helpOf(ours, name), name).toBe(helpOf(theirs, name));
    }
    expect(t.get('node_filesystem_size_bytes')!.size).toBeGreaterThan(0);
    for (const [labels, size] of t.get('node_filesystem_size_bytes')!) {
      expect(o.get('node_filesystem_size_bytes')!.get(labels), labels).toBe(size);
      expect(o.get('node_filesystem_files')!.get(labels), labels).toBe(t.get('node_filesystem_files')!.get(labels));
      expect(o.get('node_filesystem_readonly')!.get(labels), labels).toBe(t.get('node_filesystem_readonly')!.get(labels));
      const tolerance = Math.max(64 * 1024 * 1024, size * 0.001);
      expect(Math.abs(o.get('node_filesystem_avail_bytes')!.get(labels)! - t.get('node_filesystem_avail_bytes')!.get(labels)!), labels).toBeLessThanOrEqual(tolerance);
    }
  });

  it('reports node_cpu_seconds_total and PSI within a small tolerance of node_exporter', async () => {
    const names = ['node_cpu_seconds_total', 'node_pressure_io_waiting_seconds_total', 'node_pressure_cpu_waiting_seconds_total'];
    const before = families(await registry.metrics(), names);
    const theirsText = await scrapeExporter();
    const theirs = families(theirsText, names);
    const after = families(await registry.metrics(), names);
    const cpu = theirs.get('node_cpu_seconds_total')!;
    expect([...after.get('node_cpu_seconds_total')!.keys()].sort()).toEqual([...cpu.keys()].sort());
    expect(helpOf(theirsText, 'node_cpu_seconds_total')).toBe('Seconds the CPUs spent in each mode.');
    // Read before and after theirs: monotonic counters must bracket their value.
    const tol = 0.02;
    for (const name of names) {
      for (const [labels, v] of theirs.get(name)!) {
        expect(v, `${name}${labels}`).toBeGreaterThanOrEqual(before.get(name)!.get(labels)! - tol);
        expect(v, `${name}${labels}`).toBeLessThanOrEqual(after.get(name)!.get(labels)! + tol);
      }
    }
  });

  it('passes promtool check metrics with no findings and carries vigil_node_info', async () => {
    const text = await scrapeOurs();
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    expect(text).toMatch(/^vigil_node_info\{os="[^"]+",os_release="[^"]*",kernel="[^"]+",arch="[^"]+",.*\} 1$/m);
  });

  it('sees the loop-mounted ext4 image with its size, and readonly 1 after remount,ro', async () => {
    const find = () => collector!.latest()?.filesystems.find((f) => f.mountpoint === loopMount);
    await collector!.sampleNow();
    const rw = find();
    expect(rw).toMatchObject({ fstype: 'ext4', readonly: false, deviceError: false });
    expect(rw!.device).toMatch(/^\/dev\/loop\d+$/);
    // 20 MiB image minus ext4 metadata (statfs f_blocks excludes the overhead).
    expect(rw!.sizeBytes).toBeGreaterThan(15 * 1024 * 1024);
    expect(rw!.sizeBytes).toBeLessThanOrEqual(20 * 1024 * 1024);
    const labels = `{device="${rw!.device}",fstype="ext4",mountpoint="${loopMount}"}`;
    const theirsRw = await scrapeExporter();
    expect(seriesOf(theirsRw, 'node_filesystem_size_bytes').get(labels)).toBe(rw!.sizeBytes);

    execFileSync('mount', ['-o', 'remount,ro', loopMount]);
    await collector!.sampleNow();
    expect(find()).toMatchObject({ readonly: true, deviceError: false, sizeBytes: rw!.sizeBytes });
    const ours = await registry.metrics();
    expect(seriesOf(ours, 'node_filesystem_readonly').get(labels)).toBe(1);
    expect(seriesOf(await scrapeExporter(), 'node_filesystem_readonly').get(labels)).toBe(1);
  });

  it('measures the CPU cost of one sample and of rendering the node metrics', async () => {
    const n = 50;
    let u = process.cpuUsage();
    for (let i = 0; i < n; i++) await collector!.sampleNow();
    const sample = process.cpuUsage(u);
    u = process.cpuUsage();
    for (let i = 0; i < n; i++) await registry.metrics();
    const render = process.cpuUsage(u);
    const ms = (c: NodeJS.CpuUsage) => ((c.user + c.system) / 1000 / n).toFixed(3);
    console.log(`[vigil node] cpu per sample: ${ms(sample)} ms; per render of node metrics (incl. fresh /proc reads): ${ms(render)} ms`);
    expect(collector!.latest()?.filesystems.length).toBeGreaterThan(0);
  });
});
