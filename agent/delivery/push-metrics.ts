import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../../core/metrics.js';
import { outputMetrics, type OutputMetrics } from '../outputs/metrics.js';

/** Per push output (label `output`, its configured name); queue depth and drops are the stdout output's metrics. */
export interface PushMetrics extends OutputMetrics {
  readonly sent: Counter<'output'>;
  readonly failed: Counter<'output'>;
  readonly retried: Counter<'output'>;
  readonly spoolBytes: Gauge<'output'>;
  readonly evicted: Counter<'output'>;
  readonly lastSuccess: Gauge<'output'>;
}

export function pushMetrics(registry: Registry): PushMetrics {
  const perOutput = { labelNames: ['output'] as const };
  return {
    ...outputMetrics(registry),
    sent: counter(registry, { ...perOutput, name: 'vigil_output_sent_total', help: 'Envelopes a push output delivered (the receiver acknowledged them).' }),
    failed: counter(registry, { ...perOutput, name: 'vigil_output_failed_total', help: 'Envelopes in delivery attempts that failed (they stay spooled and are retried).' }),
    retried: counter(registry, { ...perOutput, name: 'vigil_output_retried_total', help: 'Envelopes sent again after a failed attempt (same event id).' }),
    spoolBytes: gauge(registry, { ...perOutput, name: 'vigil_output_spool_bytes', help: "Bytes of a push output's on-disk spool." }),
    evicted: counter(registry, { ...perOutput, name: 'vigil_output_spool_evicted_total', help: 'Envelopes evicted from a full spool, oldest first (announced by a loss notice).' }),
    lastSuccess: gauge(registry, { ...perOutput, name: 'vigil_output_last_success_timestamp_seconds', help: 'When a push output last delivered something, seconds since the epoch.' }),
  };
}
