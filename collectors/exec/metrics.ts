import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExecEventKind } from './types.js';

export interface ExecMetrics {
  event(kind: ExecEventKind): void;
  partial(): void;
  lost(n: number): void;
  reinspectSkipped(): void;
  mode(mode: 'netlink' | 'poll'): void;
}

/** Reuses a metric already registered (a second watcher on the same registry). */
function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createExecMetrics(registry: Registry): ExecMetrics {
  const events = counter(registry, 'vigil_exec_events_total', 'Process events emitted by the exec watcher, by kind.', ['kind']);
  const partial = counter(
    registry,
    'vigil_exec_partial_total',
    'Exec events whose process vanished before it could be fully read (emitted with partial=true).',
  );
  const lost = counter(
    registry,
    'vigil_exec_events_lost_total',
    'Kernel event overruns (socket buffer full) and unparseable messages; each triggers a /proc catch-up poll.',
  );
  const skipped = counter(
    registry,
    'vigil_exec_reinspect_skipped_total',
    'New shells or interpreters not re-inspected because too many were already pending.',
  );
  const info =
    (registry.getSingleMetric('vigil_exec_source_info') as Gauge<string> | undefined) ??
    new Gauge({ name: 'vigil_exec_source_info', help: 'Source of process events in use (1 for the active mode).', labelNames: ['mode'], registers: [registry] });
  // Pre-create the series so dashboards see zeros rather than gaps.
  for (const kind of ['exec', 'exit', 'fork', 'inspect'] as const) events.inc({ kind }, 0);
  return {
    event: (kind) => events.inc({ kind }),
    partial: () => partial.inc(),
    lost: (n) => lost.inc(n),
    reinspectSkipped: () => skipped.inc(),
    mode: (mode) => {
      info.reset();
      info.set({ mode }, 1);
    },
  };
}
