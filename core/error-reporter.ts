import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ErrorReporter } from './deps.js';
import { counter } from './metrics.js';

/**
 * The ErrorReporter every component receives: each failure is counted in
 * vigil_component_errors_total{component,stage}; only the first of each
 * (component, stage) is logged at error level (later ones at debug) so a
 * broken mount read every scan does not flood the log.
 */
export function createErrorReporter(log: Logger, registry: Registry): ErrorReporter {
  const errors = counter(registry, {
    name: 'vigil_component_errors_total',
    help: 'Failures that are not /proc churn, by component and stage (only the first of each is logged).',
    labelNames: ['component', 'stage'],
  });
  const logged = new Set<string>();
  return {
    report(component: string, stage: string, err: unknown): void {
      // Must never throw: it is called from catch blocks and error handlers.
      try {
        errors.inc({ component, stage });
        const key = `${component}\u0000${stage}`;
        const first = !logged.has(key);
        if (first) logged.add(key);
        const fields = { component, stage, err: toErr(err) };
        if (first) log.error(fields, `${component} ${stage} failed (further ${stage} errors are only counted)`);
        else log.debug(fields, `${component} ${stage} failed again`);
      } catch {
        // Nothing sensible left to do; the process must keep running.
      }
    },
  };
}

function toErr(err: unknown): unknown {
  return err instanceof Error ? err : new Error(String(err));
}
