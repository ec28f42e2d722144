import type { Logger } from 'pino';
import type { ErrorReporter } from '../core/deps.js';
import type { Component } from '../core/component.js';
import type { Readiness } from './readiness.js';

export interface ComponentSet {
  /**
   * Starts components in order. A component whose start fails is reported
   * and left not-ready (the agent keeps running without it: one broken
   * source must not take the others down); one whose start is slow is
   * waited for at most `startTimeoutMs`, then the next starts while it keeps
   * starting in the background and becomes ready when it resolves.
   */
  startAll(): Promise<void>;
  /**
   * Stops every component in reverse order under one deadline, even those
   * never started (stop is safe before start) and while startAll is still
   * running (it stops starting more). Each stop is guarded.
   */
  stopAll(timeoutMs: number): Promise<void>;
}

export function createComponentSet(components: readonly Component[], opts: { log: Logger; errors: ErrorReporter; readiness: Readiness; startTimeoutMs: number }): ComponentSet {
  const abort = new AbortController();
  const marks = new Map(components.map((c) => [c, opts.readiness.add(c.name)] as const));

  return {
    async startAll() {
      for (const c of components) {
        if (abort.signal.aborted) return;
        const t0 = Date.now();
        const started = Promise.resolve()
          .then(() => c.start(abort.signal))
          .then(
            () => {
              marks.get(c)!();
              opts.log.info({ component: c.name, ms: Date.now() - t0 }, `${c.name} started`);
            },
            (err: unknown) => {
              opts.errors.report(c.name, 'start', err);
              opts.readiness.fail(c.name, `start failed: ${(err as Error)?.message ?? String(err)}`);
            },
          );
        const r = await raceTimeout(started, opts.startTimeoutMs, abort.signal);
        if (r === 'timeout' && !abort.signal.aborted) opts.log.warn({ component: c.name, ms: opts.startTimeoutMs }, `${c.name} is slow to start; continuing without waiting`);
      }
    },
    async stopAll(timeoutMs) {
      abort.abort();
      const deadline = Date.now() + timeoutMs;
      for (const c of [...components].reverse()) {
        const stopped = Promise.resolve()
          .then(() => c.stop())
          .catch((err: unknown) => opts.errors.report(c.name, 'stop', err));
        const r = await raceTimeout(stopped, Math.max(0, deadline - Date.now()));
        if (r === 'timeout') opts.log.warn({ component: c.name, ms: timeoutMs }, `${c.name} did not stop before the shutdown deadline`);
      }
    },
  };
}

/** Waits for `p`, at most `ms`, and no longer than until `signal` aborts. */
async function raceTimeout(p: Promise<void>, ms: number, signal?: AbortSignal): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
    onAbort = () => resolve('timeout');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
