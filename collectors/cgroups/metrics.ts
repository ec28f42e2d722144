import type { Registry } from 'prom-client';
import type { InterfaceStats } from './parse-stats.js';
import type { ContainerStats } from './stats.js';
import { counter, gauge } from '../../core/metrics.js';

/** cAdvisor's per-container labels, as the kubelet's /metrics/cadvisor has them. */
export const CONTAINER_LABELS = ['id', 'name', 'image', 'namespace', 'pod', 'container'] as const;
export type ContainerLabels = Record<(typeof CONTAINER_LABELS)[number], string>;

export interface ContainerSample {
  readonly labels: ContainerLabels;
  readonly stats: ContainerStats;
  /** Undefined when the container shares another's netns (or the host's) or has no process. */
  readonly net?: readonly InterfaceStats[];
  /** Device label for each `major:minor` in stats.io. */
  readonly devices: ReadonlyMap<string, string>;
  readonly startTimeSec?: number;
  readonly seenSec: number;
}

type Extra = 'cpu' | 'device' | 'interface' | undefined;
type Values = (s: ContainerSample) => Iterable<readonly [string | undefined, number | undefined]>;

interface Def {
  readonly name: string;
  readonly help: string;
  readonly kind: 'counter' | 'gauge';
  readonly extra: Extra;
  readonly values: Values;
}

const one =
  (v: number | undefined): Values =>
  () => [[undefined, v]];
const perDevice =
  (pick: 'readBytes' | 'writeBytes'): Values =>
  (s) =>
    s.stats.io.map((d) => [s.devices.get(d.device) ?? d.device, d[pick]] as const);
const perIface =
  (pick: keyof Omit<InterfaceStats, 'iface'>): Values =>
  (s) =>
    (s.net ?? []).map((i) => [i.iface, i[pick]] as const);

const DEFS: readonly Def[] = [
  // cAdvisor labels the aggregate `cpu="total"` when per-cpu usage is off.
  { name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', kind: 'counter', extra: 'cpu', values: (s) => [['total', s.stats.cpuUsageSec]] },
  { name: 'container_cpu_user_seconds_total', help: 'Cumulative user cpu time consumed in seconds.', kind: 'counter', extra: undefined, values: (s) => one(s.stats.cpuUserSec)(s) },
  { name: 'container_cpu_system_seconds_total', help: 'Cumulative system cpu time consumed in seconds.', kind: 'counter', extra: undefined, values: (s) => one(s.stats.cpuSystemSec)(s) },
  {
    name: 'container_memory_usage_bytes',
    help: 'Current memory usage in bytes, including all memory regardless of when it was accessed',
    kind: 'gauge',
    extra: undefined,
    values: (s) => one(s.stats.memUsageBytes)(s),
  },
  { name: 'container_memory_working_set_bytes', help: 'Current working set in bytes.', kind: 'gauge', extra: undefined, values: (s) => one(s.stats.memWorkingSetBytes)(s) },
  { name: 'container_memory_rss', help: 'Size of RSS in bytes.', kind: 'gauge', extra: undefined, values: (s) => one(s.stats.memRssBytes)(s) },
  { name: 'container_memory_cache', help: 'Number of bytes of page cache memory.', kind: 'gauge', extra: undefined, values: (s) => one(s.stats.memCacheBytes)(s) },
  { name: 'container_fs_reads_bytes_total', help: 'Cumulative count of bytes read', kind: 'counter', extra: 'device', values: perDevice('readBytes') },
  { name: 'container_fs_writes_bytes_total', help: 'Cumulative count of bytes written', kind: 'counter', extra: 'device', values: perDevice('writeBytes') },
  { name: 'container_network_receive_bytes_total', help: 'Cumulative count of bytes received', kind: 'counter', extra: 'interface', values: perIface('rxBytes') },
  { name: 'container_network_transmit_bytes_total', help: 'Cumulative count of bytes transmitted', kind: 'counter', extra: 'interface', values: perIface('txBytes') },
  { name: 'container_network_receive_packets_total', help: 'Cumulative count of packets received', kind: 'counter', extra: 'interface', values: perIface('rxPackets') },
  { name: 'container_network_transmit_packets_total', help: 'Cumulative count of packets transmitted', kind: 'counter', extra: 'interface', values: perIface('txPackets') },
  { name: 'container_network_receive_errors_total', help: 'Cumulative count of errors encountered while receiving', kind: 'counter', extra: 'interface', values: perIface('rxErrors') },
  { name: 'container_network_transmit_errors_total', help: 'Cumulative count of errors encountered while transmitting', kind: 'counter', extra: 'interface', values: perIface('txErrors') },
  { name: 'container_network_receive_packets_dropped_total', help: 'Cumulative count of packets dropped while receiving', kind: 'counter', extra: 'interface', values: perIface('rxDropped') },
  { name: 'container_network_transmit_packets_dropped_total', help: 'Cumulative count of packets dropped while transmitting', kind: 'counter', extra: 'interface', values: perIface('txDropped') },
  { name: 'container_start_time_seconds', help: 'Start time of the container since unix epoch in seconds.', kind: 'gauge', extra: undefined, values: (s) => one(s.startTimeSec)(s) },
  { name: 'container_last_seen', help: 'Last time a container was seen by the exporter', kind: 'gauge', extra: undefined, values: (s) => one(s.seenSec)(s) },
];

export const CONTAINER_METRIC_NAMES: readonly string[] = DEFS.map((d) => d.name);

/**
 * Registers the container metrics. Each is filled at scrape time from
 * `samples()` (one read of the cgroup files shared by all metrics of a
 * scrape) after a reset, so a container that is gone leaves no series.
 */
export function registerContainerMetrics(registry: Registry, samples: () => readonly ContainerSample[]): void {
  for (const def of DEFS) {
    const labelNames: string[] = def.extra ? [...CONTAINER_LABELS, def.extra] : [...CONTAINER_LABELS];
    if (def.kind === 'counter') {
      counter(registry, {
        name: def.name,
        help: def.help,
        labelNames,
        collect() {
          this.reset();
          // A counter cannot go negative: a negative reading is a parse slip, not a value.
          eachValue(def, samples(), (labels, v) => {
            if (v >= 0) this.inc(labels, v);
          });
        },
      });
    } else {
      gauge(registry, {
        name: def.name,
        help: def.help,
        labelNames,
        collect() {
          this.reset();
          eachValue(def, samples(), (labels, v) => this.set(labels, v));
        },
      });
    }
  }
}

/** Every finite value of one metric over the live containers, with its labels. */
function eachValue(def: (typeof DEFS)[number], samples: readonly ContainerSample[], apply: (labels: Record<string, string>, v: number) => void): void {
  for (const s of samples) {
    for (const [x, v] of def.values(s)) {
      if (v === undefined || !Number.isFinite(v)) continue;
      apply(def.extra ? { ...s.labels, [def.extra]: x ?? '' } : s.labels, v);
    }
  }
}
