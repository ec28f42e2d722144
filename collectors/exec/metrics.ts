import type { Registry } from 'prom-client';
import { counter, gauge } from '../../core/metrics.js';
import type { ExecEventKind } from './types.js';

export interface ExecMetrics {
  event(kind: ExecEventKind): void;
  partial(): void;
  lost(n: number): void;
  reinspectSkipped(): void;
  mode(mode: 'netlink' | 'poll'): void;
}

export function createExecMetrics(registry: Registry): ExecMetrics {
  const events = counter(registry, { name: 'vigil_exec_events_total', help: 'Process events emitted by the exec watcher, by kind.', labelNames: ['kind'] });
  const partial = counter(registry, { name: 'vigil_exec_partial_total', help: 'Exec events whose process vanished before it could be fully read (emitted with partial=true).' });
  const lost = counter(registry, { name: 'vigil_exec_events_lost_total', help: 'Kernel event overruns (socket buffer full) and unparseable messages; each triggers a /proc catch-up poll.' });
  const skipped = counter(registry, {
    name: 'vigil_exec_reinspect_skipped_total',
    help: 'Fresh processes (shells, relays, any whose stdio is not a terminal) not re-read after exec because too many were already pending.',
  });
  const info = gauge(registry, { name: 'vigil_exec_source_info', help: 'Source of process events in use (1 for the active mode).', labelNames: ['mode'] });
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
