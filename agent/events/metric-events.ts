import type { FilesystemSample, NodeSample } from '../../collectors/node/index.js';
import type { VigilEvent } from '../../rules/event.js';
import { SlidingLinearFit } from './linear-fit.js';
import { getOrInsert } from '../../core/collections.js';

/**
 * Turns node samples into `source: metrics` events: one for the node, one per
 * filesystem. Value keys are the ones rules/fields/metric-fields.ts names.
 * Filesystems keep a sliding fit of their available bytes so rules can ask
 * when they will be full (fs.predict_full_seconds).
 */
export class MetricEventBuilder {
  private readonly fits = new Map<string, SlidingLinearFit>();
  /** Mount points seen writable: a later read-only sample is a remount, not a ro-by-design mount. */
  private readonly seenWritable = new Set<string>();

  constructor(
    private readonly hostname: string,
    private readonly predictWindowMs: number,
  ) {}

  build(sample: NodeSample): VigilEvent[] {
    const events: VigilEvent[] = [this.nodeEvent(sample)];
    const seen = new Set<string>();
    for (const fs of sample.filesystems) {
      if (fs.deviceError || fs.sizeBytes === 0) continue;
      seen.add(fs.mountpoint);
      events.push(this.filesystemEvent(sample.timeMs, fs));
    }
    for (const mountpoint of this.fits.keys()) {
      if (!seen.has(mountpoint)) {
        this.fits.delete(mountpoint);
        this.seenWritable.delete(mountpoint);
      }
    }
    return events;
  }

  private nodeEvent(sample: NodeSample): VigilEvent {
    const values: Record<string, number> = {};
    const ratio = sample.cpu.interval?.ratio;
    if (ratio) {
      values['node.cpu.iowait_ratio'] = ratio.iowait;
      values['node.cpu.usage_ratio'] = Math.max(0, 1 - ratio.idle - ratio.iowait);
    }
    if (sample.load) values['node.load1'] = sample.load.load1;
    if (sample.memory && sample.memory.totalBytes > 0) {
      values['node.memory.available_ratio'] = sample.memory.availableBytes / sample.memory.totalBytes;
    }
    const psi = sample.psi;
    if (psi) {
      for (const resource of ['cpu', 'io', 'memory'] as const) {
        for (const kind of ['some', 'full'] as const) {
          const line = psi[resource]?.[kind];
          if (line) values[`node.psi.${resource}.${kind}.avg10`] = line.avg10;
        }
      }
    }
    return { type: 'metric', source: 'metrics', timeMs: sample.timeMs, hostname: this.hostname, metric: { subject: 'node', values } };
  }

  private filesystemEvent(timeMs: number, fs: FilesystemSample): VigilEvent {
    const fit = getOrInsert(this.fits, fs.mountpoint, () => new SlidingLinearFit(this.predictWindowMs));
    fit.add(timeMs, fs.availBytes);
    const values: Record<string, number> = {
      'fs.size_bytes': fs.sizeBytes,
      'fs.avail_bytes': fs.availBytes,
      'fs.used_ratio': fs.usedRatio ?? 1 - fs.availBytes / fs.sizeBytes,
      'fs.readonly': fs.readonly ? 1 : 0,
      'fs.became_readonly': fs.readonly && this.seenWritable.has(fs.mountpoint) ? 1 : 0,
    };
    if (!fs.readonly) this.seenWritable.add(fs.mountpoint);
    if (fs.files > 0) values['fs.inodes_free_ratio'] = fs.filesFree / fs.files;
    const untilFull = fit.secondsUntilZero();
    if (untilFull !== undefined) values['fs.predict_full_seconds'] = untilFull;
    return {
      type: 'metric',
      source: 'metrics',
      timeMs,
      hostname: this.hostname,
      metric: { subject: 'filesystem', values, labels: { mountpoint: fs.mountpoint, device: fs.device, fstype: fs.fstype } },
    };
  }
}
