import { keyed, plain } from './helpers.js';
import type { FieldDef } from './types.js';

/**
 * Metric samples (source: metrics). The agent fills MetricFields.values with
 * the keys below (base units; ratios are 0..1) and labels with the subject's
 * identity; rules/EVENTS.md lists them. Named fields are aliases of
 * metric.value[KEY] / metric.label[KEY] with the same key.
 */
export const METRIC_VALUE_KEYS: readonly (readonly [key: string, desc: string])[] = [
  ['node.cpu.usage_ratio', 'Node CPU busy time over the sample interval, 0..1 of all CPUs.'],
  ['node.cpu.iowait_ratio', 'Node CPU time in iowait over the sample interval, 0..1 of all CPUs.'],
  ['node.load1', 'Node 1-minute load average.'],
  ['node.memory.available_ratio', 'MemAvailable / MemTotal.'],
  ['node.psi.cpu.some.avg10', 'CPU pressure, some, 10 s average (percent).'],
  ['node.psi.io.some.avg10', 'IO pressure, some, 10 s average (percent).'],
  ['node.psi.io.full.avg10', 'IO pressure, full, 10 s average (percent).'],
  ['node.psi.memory.some.avg10', 'Memory pressure, some, 10 s average (percent).'],
  ['node.psi.memory.full.avg10', 'Memory pressure, full, 10 s average (percent).'],
  ['fs.size_bytes', 'Filesystem size.'],
  ['fs.avail_bytes', 'Bytes available to unprivileged users.'],
  ['fs.used_ratio', "df's Use%: used / (used + available), blocks reserved for root excluded (1 - avail/size when used is unknown)."],
  ['fs.inodes_free_ratio', 'Free inodes / total inodes.'],
  ['fs.predict_full_seconds', 'Seconds until the filesystem is full at the recent fill rate (absent when not filling).'],
  ['container.cpu.usage_ratio', 'Container CPU usage over the sample interval, in CPUs (1 = one full core).'],
  ['container.cpu.limit_ratio', 'Container CPU usage / its CPU limit.'],
  ['container.memory.working_set_bytes', 'Container working set.'],
  ['container.memory.limit_ratio', 'Container working set / its memory limit.'],
];

export const METRIC_LABEL_KEYS: readonly (readonly [key: string, field: string, desc: string])[] = [
  ['mountpoint', 'fs.mountpoint', 'Filesystem mount point.'],
  ['device', 'fs.device', 'Filesystem device.'],
  ['fstype', 'fs.fstype', 'Filesystem type.'],
];

/** A 0/1 metric value exposed as a bool field. */
function metricBool(key: string, desc: string): FieldDef {
  return plain(
    key,
    'bool',
    desc,
    (e) => {
      const v = e.metric?.values[key];
      return v === undefined ? undefined : v !== 0;
    },
    { vigil: true },
  );
}

export const metricFields: readonly FieldDef[] = [
  plain('metric.subject', 'string', 'What a metric sample is of: node, filesystem or container.', (e) => e.metric?.subject, { vigil: true }),
  keyed('metric.value', 'number', 'A metric sample value by key: metric.value[KEY].', (k) => (e) => e.metric?.values[k], true),
  keyed('metric.label', 'string', 'A metric sample label by key: metric.label[KEY].', (k) => (e) => e.metric?.labels?.[k], true),
  ...METRIC_VALUE_KEYS.map(([k, desc]) => plain(k, 'number', desc, (e) => e.metric?.values[k], { vigil: true })),
  metricBool('fs.readonly', 'Filesystem mounted read-only (values["fs.readonly"] is 1).'),
  metricBool('fs.became_readonly', 'A mount seen writable earlier is now read-only (values["fs.became_readonly"] is 1).'),
  ...METRIC_LABEL_KEYS.map(([k, name, desc]) => plain(name, 'string', desc, (e) => e.metric?.labels?.[k], { vigil: true })),
];
