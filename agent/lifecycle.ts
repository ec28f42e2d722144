import type { Logger } from 'pino';
import type { ErrorReporter } from '../core/deps.js';

export interface ProcessHandlersOptions {
  readonly log: Logger;
  readonly errors: ErrorReporter;
  /** Stops everything; must resolve within `deadlineMs` or the process exits 1. */
  readonly shutdown: () => Promise<void>;
  /** Time allowed for a clean shutdown (the spec says 2 s; keep a margin). */
  readonly deadlineMs: number;
  /** Injectable for tests. */
  readonly exit?: (code: number) => void;
  readonly proc?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Signals and last-resort error handlers for the agent process.
 * SIGTERM/SIGINT: clean shutdown, exit 0; a second signal, or a shutdown
 * that overruns its deadline, forces exit. An uncaught exception or an
 * unhandled rejection from one component is counted and logged, never
 * fatal: the other sources keep watching the node.
 */
export function installProcessHandlers(opts: ProcessHandlersOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const proc = opts.proc ?? process;
  let shuttingDown = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      opts.log.warn({ signal }, `second ${signal}: exiting now`);
      exit(130);
      return;
    }
    shuttingDown = true;
    opts.log.info({ signal }, `${signal} received: shutting down`);
    const t0 = Date.now();
    const force = setTimeout(() => {
      opts.log.error({ ms: opts.deadlineMs }, 'shutdown overran its deadline: exiting');
      exit(1);
    }, opts.deadlineMs);
    force.unref();
    opts.shutdown().then(
      () => {
        clearTimeout(force);
        opts.log.info({ ms: Date.now() - t0 }, 'stopped');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        opts.log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const onUncaught = (err: unknown) => opts.errors.report('agent', 'uncaught_exception', err);
  const onRejection = (reason: unknown) => opts.errors.report('agent', 'unhandled_rejection', reason);

  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('uncaughtException', onUncaught);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('SIGTERM', onSignal);
    proc.off('SIGINT', onSignal);
    proc.off('uncaughtException', onUncaught);
    proc.off('unhandledRejection', onRejection);
  };
}
