/**
 * A metric family whose series are produced at scrape time from collector
 * state, registered on a prom-client Registry. prom-client's Gauge/Counter
 * cannot express "no series at all" for a label-less family (reset() puts a
 * 0 back), which we need when the kernel has no PSI; and copying a snapshot
 * into their hash maps on every scrape is wasted work. The Registry only
 * calls get() (and reset() from resetMetrics()), so this is all it needs.
 */
import type { Metric, Registry } from 'prom-client';

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type SeriesFn = () => readonly Series[] | Promise<readonly Series[]>;

export class SnapshotFamily {
  readonly aggregator = 'sum' as const;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    readonly labelNames: readonly string[],
    private readonly produce: SeriesFn,
  ) {}

  async get(): Promise<{
    name: string;
    help: string;
    type: 'gauge' | 'counter';
    aggregator: 'sum';
    values: { labels: Record<string, string>; value: number }[];
  }> {
    const series = await this.produce();
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: series.map((s) => ({ labels: { ...s.labels }, value: s.value })),
    };
  }

  /** State belongs to the collector; nothing to reset here. */
  reset(): void {}

  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }
}
