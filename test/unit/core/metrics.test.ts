import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram, MetricConflictError } from '../../../core/metrics.js';

describe('metric get-or-create (core/metrics.ts)', () => {
  it('returns the registered metric for the same name, type and labels', async () => {
    const registry = new Registry();
    const a = counter(registry, { name: 'vigil_x_total', help: 'x', labelNames: ['kind'] });
    const b = counter(registry, { name: 'vigil_x_total', help: 'x', labelNames: ['kind'] });
    expect(b).toBe(a);
    a.inc({ kind: 'one' });
    b.inc({ kind: 'one' });
    expect(await registry.getSingleMetricAsString('vigil_x_total')).toContain('vigil_x_total{kind="one"} 2');
  });

  it('label order does not matter', () => {
    const registry = new Registry();
    const a = gauge(registry, { name: 'vigil_g', help: 'g', labelNames: ['a', 'b'] });
    expect(gauge(registry, { name: 'vigil_g', help: 'g', labelNames: ['b', 'a'] })).toBe(a);
  });

  it('refuses the name under another type or other labels', () => {
    const registry = new Registry();
    counter(registry, { name: 'vigil_y_total', help: 'y', labelNames: ['kind'] });
    expect(() => gauge(registry, { name: 'vigil_y_total', help: 'y', labelNames: ['kind'] })).toThrow(MetricConflictError);
    expect(() => counter(registry, { name: 'vigil_y_total', help: 'y', labelNames: ['other'] })).toThrow(/registered as a counter \{kind\}, asked for a counter \{other\}/);
    expect(() => counter(registry, { name: 'vigil_y_total', help: 'y' })).toThrow(MetricConflictError);
    expect(() => histogram(registry, { name: 'vigil_y_total', help: 'y', labelNames: ['kind'], buckets: [1] })).toThrow(MetricConflictError);
  });

  it('a collected metric is replaced: the scrape reads the newest instance', async () => {
    const registry = new Registry();
    let first = 1;
    let second = 2;
    gauge(registry, {
      name: 'vigil_z',
      help: 'z',
      collect() {
        this.set(first);
      },
    });
    gauge(registry, {
      name: 'vigil_z',
      help: 'z',
      collect() {
        this.set(second);
      },
    });
    first = 10;
    second = 20;
    expect(await registry.getSingleMetricAsString('vigil_z')).toContain('vigil_z 20');
    expect(() => counter(registry, { name: 'vigil_z', help: 'z', collect() {} })).toThrow(MetricConflictError);
  });
});
