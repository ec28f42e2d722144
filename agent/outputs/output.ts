import type { Writable } from 'node:stream';
import type { CollectorDeps } from '../../core/deps.js';
import type { Component } from '../../core/component.js';
import type { Alert } from './alert.js';
import type { OutputHealth } from './health.js';
import { createLineWriter, type LineWriter } from './line-writer.js';
import { outputMetrics } from './metrics.js';

/**
 * An alert sink. `emit` never throws and never blocks; it returns false when
 * the alert was dropped (and counted). `health` is the output-health
 * contract of health.ts: /readyz and vigil_output_up read it.
 */
export interface AlertOutput extends Component {
  emit(alert: Alert): boolean;
  health?(): OutputHealth;
}

export interface StreamOutputConfig {
  readonly stream: Writable;
  /** Lines buffered while the stream is slow; beyond this alerts are dropped and counted. */
  readonly maxQueue: number;
  /** How long stop() waits for queued alerts to reach the stream. */
  readonly flushTimeoutMs?: number;
}

/** The common part of line-per-alert outputs: formatting is the only difference. */
export function createStreamOutput(deps: CollectorDeps, name: string, cfg: StreamOutputConfig, format: (a: Alert) => string): AlertOutput {
  const metrics = outputMetrics(deps.registry);
  let writer: LineWriter | undefined;
  let stopped = false;
  return {
    name: `output.${name}`,
    async start() {
      if (writer || stopped) return;
      writer = createLineWriter({ output: name, stream: cfg.stream, maxQueue: cfg.maxQueue, metrics, errors: deps.errors });
    },
    health() {
      if (writer) return writer.health();
      return stopped ? { ok: true, detail: 'stopped' } : { ok: false, detail: 'not started' };
    },
    emit(alert) {
      if (!writer) {
        metrics.dropped.inc({ output: name, reason: stopped ? 'shutdown' : 'not_started' });
        return false;
      }
      let line: string;
      try {
        line = format(alert);
      } catch (err) {
        // One bad alert (a cyclic field, a throwing getter) must not stop the next.
        deps.errors.report(`output.${name}`, 'format', err);
        metrics.dropped.inc({ output: name, reason: 'format_error' });
        return false;
      }
      return writer.write(line);
    },
    async stop() {
      stopped = true;
      const w = writer;
      writer = undefined;
      await w?.close(cfg.flushTimeoutMs ?? 500);
    },
  };
}
