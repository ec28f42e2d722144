import { Counter, Gauge, type Registry } from 'prom-client';
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

const byRegistry = new WeakMap<Registry, PushMetrics>();

export function pushMetrics(registry: Registry): PushMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['output'] as const, registers: [registry] });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['output'] as const, registers: [registry] });
    m = {
      ...outputMetrics(registry),
      sent: counter('vigil_output_sent_total', 'Envelopes a push output delivered (the receiver acknowledged them).'),
      failed: counter('vigil_output_failed_total', 'Envelopes in delivery attempts that failed (they stay spooled and are retried).'),
      retried: counter('vigil_output_retried_total', 'Envelopes sent again after a failed attempt (same event id).'),
      spoolBytes: gauge('vigil_output_spool_bytes', "Bytes of a push output's on-disk spool."),
      evicted: counter('vigil_output_spool_evicted_total', 'Envelopes evicted from a full spool, oldest first (announced by a loss notice).'),
      lastSuccess: gauge('vigil_output_last_success_timestamp_seconds', 'When a push output last delivered something, seconds since the epoch.'),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
