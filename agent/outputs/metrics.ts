import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../../core/metrics.js';

export interface OutputMetrics {
  readonly written: Counter<'output'>;
  readonly dropped: Counter<'output' | 'reason'>;
  readonly queueDepth: Gauge<'output'>;
}

/** Shared by every output on a registry (core/metrics.ts returns the registered metric). */
export function outputMetrics(registry: Registry): OutputMetrics {
  return {
    written: counter(registry, { name: 'vigil_output_alerts_total', help: 'Alerts handed to an output stream.', labelNames: ['output'] }),
    dropped: counter(registry, {
      name: 'vigil_output_dropped_total',
      help: 'Alerts an output could not deliver, by reason (queue_full, write_error, shutdown).',
      labelNames: ['output', 'reason'],
    }),
    queueDepth: gauge(registry, { name: 'vigil_output_queue_depth', help: 'Alerts waiting for a slow output stream.', labelNames: ['output'] }),
  };
}
