import type { Registry } from 'prom-client';
import { gauge } from '../../core/metrics.js';

/**
 * The output-health contract. Every output (stdout today; file, HTTP,
 * syslog, Alertmanager, NATS, gRPC tomorrow) MAY implement
 *
 *     health(): OutputHealth      // on its AlertOutput component
 *
 * and /readyz reads it (agent/readiness-checks.ts, check `outputs`):
 * `ok: false` makes the agent not ready and `detail` says why. Rules:
 * - Backpressure is not a failure: a full pipe, a slow collector or a
 *   spool filling up is `ok: true` (drops are counted by reason in
 *   vigil_output_dropped_total), because the output recovers by itself.
 * - `ok: false` only when the output really cannot deliver: EPIPE-class
 *   errors (the reader is gone), a destination that keeps refusing
 *   (after retries), a spool that cannot be written.
 * The agent registers each output's health() on the registry's board
 * (`outputHealthBoard(registry).add(name, fn)`, done in agent/pipeline.ts
 * for every output component that has health()); the board renders
 * vigil_output_up{output} (1 ok, 0 not) at each scrape and /readyz reads the
 * same board, so both always agree. An output without health() is healthy.
 */
export interface OutputHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** Errors after which a stream cannot deliver again: the reader closed or the fd is gone. */
const BROKEN_CODES = new Set(['EPIPE', 'ECONNRESET', 'EBADF', 'EINVAL', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** EAGAIN is backpressure, ENOSPC may clear; only EPIPE-class errors mean the output is broken. */
export function isBrokenStreamError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && BROKEN_CODES.has(code);
}

export interface OutputHealthBoard {
  /** Adds an output's health function; returns the function that removes it. */
  add(output: string, health: () => OutputHealth): () => void;
  /** Every registered output's current health, read now. */
  read(): readonly (OutputHealth & { readonly output: string })[];
}

const boards = new WeakMap<Registry, OutputHealthBoard>();

/** One board per registry, rendered as vigil_output_up{output} at each scrape. */
export function outputHealthBoard(registry: Registry): OutputHealthBoard {
  let board = boards.get(registry);
  if (board) return board;
  const entries = new Map<string, () => OutputHealth>();
  const read = (): (OutputHealth & { output: string })[] =>
    [...entries].map(([output, fn]) => {
      try {
        return { output, ...fn() };
      } catch (err) {
        return { output, ok: false, detail: `health check failed: ${(err as Error)?.message ?? String(err)}` };
      }
    });
  gauge(registry, {
    name: 'vigil_output_up',
    help: 'Whether an output can deliver (1) or is broken (0); backpressure alone keeps it at 1.',
    labelNames: ['output'] as const,
    collect() {
      this.reset();
      for (const h of read()) this.set({ output: h.output }, h.ok ? 1 : 0);
    },
  });
  board = {
    add(output, health) {
      entries.set(output, health);
      return () => {
        if (entries.get(output) === health) entries.delete(output);
      };
    },
    read,
  };
  boards.set(registry, board);
  return board;
}
