import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { VigilError } from './errors.js';

/**
 * Get-or-create for Prometheus metrics, the one policy for every layer.
 * Several instances of a component may share one registry (tests, `vigil
 * rules test`, a collector restarted in place), so registering a name again
 * is normal:
 * - same type and label names: the registered metric is returned and both
 *   instances count into it;
 * - a metric with `collect` (filled at scrape time from the state of the
 *   instance that made it) is replaced instead, so the scrape reads the
 *   newest instance rather than a stopped one;
 * - a different type or different label names: MetricConflictError. Two
 *   meanings under one name would corrupt every series of it.
 */
export class MetricConflictError extends VigilError<'VIGIL_ERR_METRIC_CONFLICT'> {
  constructor(message: string) {
    super('VIGIL_ERR_METRIC_CONFLICT', message);
  }
}

type Kind = 'counter' | 'gauge' | 'histogram';

interface Registered {
  readonly type?: string;
  readonly labelNames?: readonly string[];
}

export interface MetricSpec<L extends string, M> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly collect?: (this: M) => void | Promise<void>;
}

export interface HistogramSpec<L extends string> extends MetricSpec<L, Histogram<L>> {
  readonly buckets: readonly number[];
}

/** What get-or-create reads of any spec. */
interface SpecShape {
  readonly name: string;
  readonly labelNames?: readonly string[];
  readonly collect?: unknown;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((n, i) => n === sortedB[i]);
}

/** The registered metric to reuse, or undefined when one must be made (none, or replaced). */
function reusable<T>(registry: Registry, kind: Kind, spec: SpecShape): T | undefined {
  const existing = registry.getSingleMetric(spec.name) as (Registered & T) | undefined;
  if (existing === undefined) return undefined;
  const labels = spec.labelNames ?? [];
  if (existing.type !== kind || !sameLabels(existing.labelNames ?? [], labels)) {
    throw new MetricConflictError(`metric ${spec.name} is registered as a ${existing.type} {${(existing.labelNames ?? []).join(',')}}, asked for a ${kind} {${labels.join(',')}}`);
  }
  if (spec.collect === undefined) return existing;
  registry.removeSingleMetric(spec.name);
  return undefined;
}

function config<L extends string>(registry: Registry, spec: SpecShape & { readonly help: string; readonly labelNames?: readonly L[] }) {
  return {
    name: spec.name,
    help: spec.help,
    labelNames: [...(spec.labelNames ?? [])] as L[],
    registers: [registry],
  };
}

export function counter<L extends string = string>(registry: Registry, spec: MetricSpec<L, Counter<L>>): Counter<L> {
  return reusable<Counter<L>>(registry, 'counter', spec) ?? new Counter<L>({ ...config(registry, spec), ...(spec.collect ? { collect: spec.collect } : {}) });
}

export function gauge<L extends string = string>(registry: Registry, spec: MetricSpec<L, Gauge<L>>): Gauge<L> {
  return reusable<Gauge<L>>(registry, 'gauge', spec) ?? new Gauge<L>({ ...config(registry, spec), ...(spec.collect ? { collect: spec.collect } : {}) });
}

export function histogram<L extends string = string>(registry: Registry, spec: HistogramSpec<L>): Histogram<L> {
  return reusable<Histogram<L>>(registry, 'histogram', spec) ?? new Histogram<L>({ ...config(registry, spec), buckets: [...spec.buckets], ...(spec.collect ? { collect: spec.collect } : {}) });
}
