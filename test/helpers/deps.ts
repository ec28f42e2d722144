import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { CollectorDeps, ErrorReporter } from '../../core/deps.js';

/** The test helpers every layer's tests share: deps, a recording error reporter, a memory logger, metric values. */

export interface ReportedError {
  readonly component: string;
  readonly stage: string;
  readonly err: unknown;
}

export type RecordingErrors = ErrorReporter & { readonly calls: ReportedError[] };

export function recordingErrors(): RecordingErrors {
  const calls: ReportedError[] = [];
  return { calls, report: (component, stage, err) => void calls.push({ component, stage, err }) };
}

/** A logger that keeps its records in memory. */
export function memoryLogger(level = 'debug'): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const dest = { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) };
  return { log: pino({ level }, dest), records };
}

export interface TestDeps extends CollectorDeps {
  readonly errors: RecordingErrors;
  /** Every error a component reported, in order (the same array as errors.calls). */
  readonly reported: ReportedError[];
}

/** Deps for tests: a silent log (or the one given), a fresh registry, errors recorded. */
export function testDeps(log: Logger = pino({ level: 'silent' })): TestDeps {
  const errors = recordingErrors();
  return { log, registry: new Registry(), errors, reported: errors.calls };
}

/** `component/stage: message` for each reported error. */
export function reportedText(deps: Pick<TestDeps, 'reported'>): string[] {
  return deps.reported.map((r) => `${r.component}/${r.stage}: ${(r.err as Error)?.message ?? String(r.err)}`);
}

/** The value of the series of `name` with these labels (all of them: {} for an unlabelled metric); 0 when there is no such series yet. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = registry.getSingleMetric(name);
  if (m === undefined) return undefined;
  const v = (await m.get()).values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}
