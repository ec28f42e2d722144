import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../../../rules/parser/index.js';
import { printExpr } from '../../../../rules/print.js';
import { mutated, seedConditions, tokenSoup } from './inputs.js';

/** Hang guard only (no performance claim): one condition must never take seconds. */
const PER_INPUT_LIMIT_MS = 2_000;

let slowest = 0;

function check(text: string): void {
  const t0 = performance.now();
  let r: ReturnType<typeof parseCondition>;
  try {
    r = parseCondition(text);
  } catch (e) {
    throw new Error(`parseCondition threw on ${JSON.stringify(text)}: ${(e as Error).stack}`);
  }
  const ms = performance.now() - t0;
  if (ms > slowest) slowest = ms;
  expect(ms).toBeLessThan(PER_INPUT_LIMIT_MS);
  if (r.expr) {
    expect(r.issues).toEqual([]);
    // The printer's text is canonical: parsing it gives the same text again.
    const printed = printExpr(r.expr);
    const again = parseCondition(printed);
    expect(again.issues).toEqual([]);
    expect(printExpr(again.expr!)).toBe(printed);
  } else {
    expect(r.issues).toHaveLength(1);
    const i = r.issues[0]!;
    expect(i.offset).toBeGreaterThanOrEqual(0);
    expect(i.offset).toBeLessThanOrEqual(text.length);
    expect(i.code).toMatch(/^VIGIL_RULES_[A-Z_]+$/);
    expect(i.message.length).toBeGreaterThan(0);
  }
}

describe('parser property: never throws, errors are positioned, output round-trips', () => {
  it('seed conditions all parse', () => {
    expect(seedConditions.length).toBeGreaterThan(10);
    for (const c of seedConditions) check(c);
  });

  it('30,000 mutated real conditions', () => {
    fc.assert(
      fc.property(mutated(seedConditions, 6), (s) => check(s)),
      { numRuns: 30_000 },
    );
  }, 120_000);

  it('30,000 token soups', () => {
    fc.assert(
      fc.property(tokenSoup, (s) => check(s)),
      { numRuns: 30_000 },
    );
  }, 120_000);

  it('20,000 arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), (s) => check(s)),
      { numRuns: 20_000 },
    );
    console.log(`parser property: slowest input ${slowest.toFixed(2)} ms`);
  }, 120_000);
});
