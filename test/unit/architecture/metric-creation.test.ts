import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sources } from './sources.js';

// One get-or-create policy for metrics (core/metrics.ts): a `new Counter(...)`
// elsewhere would throw on a second registration, or silently split a name,
// depending on who wrote it.
const NEW_METRIC = /\bnew (?:Counter|Gauge|Histogram|Summary)\s*[<(]/;

describe('metric creation', () => {
  it('goes through core/metrics.ts everywhere in core, collectors, rules and agent', () => {
    const offenders = ['core', 'collectors', 'rules', 'agent']
      .flatMap((l) => sources(join(ROOT, l)))
      .map((f) => relative(ROOT, f))
      .filter((f) => f !== 'core/metrics.ts' && NEW_METRIC.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('would see one', () => {
    expect(NEW_METRIC.test("const c = new Counter({ name: 'x', help: 'y' });")).toBe(true);
    expect(NEW_METRIC.test('const g = new Gauge<"a">({})')).toBe(true);
  });
});
