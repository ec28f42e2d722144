import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** One registry may host several engines (tests, `rules test`): reuse what is registered. */
export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[],
  collect?: (this: Counter<L>) => void): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}
