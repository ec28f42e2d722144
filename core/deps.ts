import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * Counts and logs failures that are not churn (a vanished pid is churn, not
 * an error). Logged once per (component, stage) so a broken mount does not
 * flood the log; always counted in vigil_component_errors_total.
 */
export interface ErrorReporter {
  report(component: string, stage: string, err: unknown): void;
}

/** What every collector factory receives besides its own config slice. */
export interface CollectorDeps {
  readonly log: Logger;
  readonly registry: Registry;
  readonly errors: ErrorReporter;
}
