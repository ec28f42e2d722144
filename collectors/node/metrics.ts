/**
 * The node metric families, under node_exporter's names, labels and help
 * texts (checked against Debian's prometheus-node-exporter 1.5.0), plus
 * vigil_node_info. CPU, PSI and load are read fresh at each scrape (cheap
 * files, and counters should not lag by a sample interval); filesystems come
 * from the latest sample because statfs may hang and must not stall a scrape.
 *
 * Not exported: node_memory_MemTotal_bytes / MemAvailable_bytes. Their
 * node_exporter names are camelCase and `promtool check metrics` flags them;
 * the values are in NodeSample.memory for rules.
 */
import type { Registry } from 'prom-client';
import { inventoryLabels, NODE_INFO_LABELS, type NodeInventory } from './inventory.js';
import type { ProcReader } from './proc-reader.js';
import { CPU_MODES, type FilesystemSample, type PsiLine, type PsiSample } from './sample.js';
import { SnapshotFamily, type Series } from './snapshot-metric.js';

export interface NodeMetricSources {
  readonly reader: ProcReader;
  readonly filesystems: () => readonly FilesystemSample[];
  readonly inventory: () => NodeInventory | undefined;
}

const FS_LABELS = ['device', 'fstype', 'mountpoint'] as const;

type FsField = 'sizeBytes' | 'availBytes' | 'freeBytes' | 'files' | 'filesFree';

const FS_FAMILIES: readonly (readonly [string, string, FsField])[] = [
  ['node_filesystem_size_bytes', 'Filesystem size in bytes.', 'sizeBytes'],
  ['node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', 'availBytes'],
  ['node_filesystem_free_bytes', 'Filesystem free space in bytes.', 'freeBytes'],
  ['node_filesystem_files', 'Filesystem total file nodes.', 'files'],
  ['node_filesystem_files_free', 'Filesystem total free file nodes.', 'filesFree'],
];

const PSI_FAMILIES: readonly (readonly [string, string, keyof PsiSample, 'some' | 'full'])[] = [
  ['node_pressure_cpu_waiting_seconds_total', 'Total time in seconds that processes have waited for CPU time', 'cpu', 'some'],
  ['node_pressure_io_waiting_seconds_total', 'Total time in seconds that processes have waited due to IO congestion', 'io', 'some'],
  ['node_pressure_io_stalled_seconds_total', 'Total time in seconds no process could make progress due to IO congestion', 'io', 'full'],
  ['node_pressure_memory_waiting_seconds_total', 'Total time in seconds that processes have waited for memory', 'memory', 'some'],
  ['node_pressure_memory_stalled_seconds_total', 'Total time in seconds no process could make progress due to memory congestion', 'memory', 'full'],
];

function fsLabels(f: FilesystemSample): Record<string, string> {
  return { device: f.device, fstype: f.fstype, mountpoint: f.mountpoint };
}

export function createNodeMetricFamilies(src: NodeMetricSources): SnapshotFamily[] {
  const families: SnapshotFamily[] = [];

  families.push(
    new SnapshotFamily('node_cpu_seconds_total', 'Seconds the CPUs spent in each mode.', 'counter', ['cpu', 'mode'], async () => {
      const { cpu } = await src.reader.read();
      const out: Series[] = [];
      for (const c of cpu.perCpu) {
        for (const mode of CPU_MODES) out.push({ labels: { cpu: c.cpu, mode }, value: c.seconds[mode] });
      }
      return out;
    }),
  );

  for (const [name, help, resource, kind] of PSI_FAMILIES) {
    families.push(
      new SnapshotFamily(name, help, 'counter', [], async () => {
        const line: PsiLine | undefined = (await src.reader.read()).psi?.[resource]?.[kind];
        return line ? [{ labels: {}, value: line.totalSeconds }] : [];
      }),
    );
  }

  for (const [name, help, field] of FS_FAMILIES) {
    families.push(
      new SnapshotFamily(name, help, 'gauge', FS_LABELS, () =>
        src
          .filesystems()
          .filter((f) => !f.deviceError)
          .map((f) => ({ labels: fsLabels(f), value: f[field] })),
      ),
    );
  }
  families.push(
    new SnapshotFamily('node_filesystem_readonly', 'Filesystem read-only status.', 'gauge', FS_LABELS, () => src.filesystems().map((f) => ({ labels: fsLabels(f), value: f.readonly ? 1 : 0 }))),
    new SnapshotFamily('node_filesystem_device_error', 'Whether an error occurred while getting statistics for the given device.', 'gauge', FS_LABELS, () =>
      src.filesystems().map((f) => ({ labels: fsLabels(f), value: f.deviceError ? 1 : 0 })),
    ),
  );

  for (const [name, help, key] of [
    ['node_load1', '1m load average.', 'load1'],
    ['node_load5', '5m load average.', 'load5'],
    ['node_load15', '15m load average.', 'load15'],
  ] as const) {
    families.push(
      new SnapshotFamily(name, help, 'gauge', [], async () => {
        const load = (await src.reader.read()).load;
        return load ? [{ labels: {}, value: load[key] }] : [];
      }),
    );
  }

  families.push(
    new SnapshotFamily('vigil_node_info', 'Node inventory taken once at agent start (kernel, os-release, /proc/cpuinfo); value is always 1.', 'gauge', NODE_INFO_LABELS, () => {
      const inv = src.inventory();
      return inv ? [{ labels: inventoryLabels(inv), value: 1 }] : [];
    }),
  );
  return families;
}

export function registerNodeMetrics(registry: Registry, families: readonly SnapshotFamily[]): void {
  for (const f of families) f.register(registry);
}
