import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsCache } from '../../../../agent/http/metrics-cache.js';

describe('metrics cache', () => {
  it('renders once for concurrent scrapers and once per interval', async () => {
    const registry = new Registry();
    let collects = 0;
    new Counter({
      name: 'vigil_x_total',
      help: 'x',
      registers: [registry],
      collect() {
        collects++;
      },
    });
    let now = 0;
    const cache = createMetricsCache(registry, 1000, () => now);
    const texts = await Promise.all(Array.from({ length: 50 }, () => cache.render()));
    expect(collects).toBe(1);
    expect(new Set(texts).size).toBe(1);
    now = 999;
    await cache.render();
    expect(collects).toBe(1);
    now = 1000;
    await cache.render();
    expect(collects).toBe(2);
  });

  it('does not keep a failed rendering', async () => {
    const registry = new Registry();
    let fail = true;
    new Counter({
      name: 'vigil_y_total',
      help: 'y',
      registers: [registry],
      collect() {
        if (fail) throw new Error('nope');
      },
    });
    const cache = createMetricsCache(registry, 1000, () => 0);
    await expect(cache.render()).rejects.toThrow('nope');
    fail = false;
    await expect(cache.render()).resolves.toContain('vigil_y_total');
  });
});
