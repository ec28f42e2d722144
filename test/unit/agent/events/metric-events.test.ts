import { describe, expect, it } from 'vitest';
import { MetricEventBuilder } from '../../../../agent/events/metric-events.js';
import type { FilesystemSample, NodeSample } from '../../../../collectors/node/index.js';

const idle = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
const fs = (over: Partial<FilesystemSample>): FilesystemSample => ({
  device: '/dev/sda1',
  mountpoint: '/data',
  fstype: 'ext4',
  sizeBytes: 1000,
  availBytes: 500,
  freeBytes: 500,
  files: 100,
  filesFree: 50,
  readonly: false,
  deviceError: false,
  ...over,
});
const sample = (timeMs: number, filesystems: FilesystemSample[]): NodeSample => ({
  timeMs,
  cpu: { perCpu: [], total: idle, interval: { cpuSeconds: 2, ratio: { ...idle, idle: 0.5, iowait: 0.25 } } },
  filesystems,
  psi: { io: { some: { avg10: 3, avg60: 0, avg300: 0, totalSeconds: 0 } } },
  memory: { totalBytes: 4, availableBytes: 1 },
});

describe('MetricEventBuilder (the metric family)', () => {
  it('one node event with the rule fields, one per filesystem with its labels', () => {
    const b = new MetricEventBuilder('node-1', 60_000);
    const [node, data, ...rest] = b.build(sample(0, [fs({}), fs({ mountpoint: '/broken', deviceError: true })]));
    expect(rest).toEqual([]);
    expect(node?.metric).toEqual({
      subject: 'node',
      values: { 'node.cpu.iowait_ratio': 0.25, 'node.cpu.usage_ratio': 0.25, 'node.memory.available_ratio': 0.25, 'node.psi.io.some.avg10': 3 },
    });
    expect(data?.metric?.labels).toEqual({ mountpoint: '/data', device: '/dev/sda1', fstype: 'ext4' });
    expect(data?.metric?.values).toMatchObject({ 'fs.used_ratio': 0.5, 'fs.inodes_free_ratio': 0.5, 'fs.readonly': 0, 'fs.became_readonly': 0 });
  });

  it('predicts when a filling filesystem is full, and flags a writable mount that became read-only', () => {
    const b = new MetricEventBuilder('node-1', 60_000);
    b.build(sample(0, [fs({ availBytes: 500 })]));
    const [, early] = b.build(sample(10_000, [fs({ availBytes: 400 })]));
    expect(early?.metric?.values['fs.predict_full_seconds']).toBeUndefined(); // two points are not a trend
    const [, filling] = b.build(sample(20_000, [fs({ availBytes: 300 })]));
    expect(filling?.metric?.values['fs.predict_full_seconds']).toBeCloseTo(30);
    const [, ro] = b.build(sample(30_000, [fs({ availBytes: 300, readonly: true })]));
    expect(ro?.metric?.values['fs.became_readonly']).toBe(1);
  });
});
