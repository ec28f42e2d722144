import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleTexts } from '../../../../rules/load.js';
import type { Issue } from '../../../../rules/types.js';
import { falcoText, mutated, seedSnippets, token } from './inputs.js';

/** Hang guard only (no performance claim). */
const PER_INPUT_LIMIT_MS = 5_000;

let slowest = 0;

/** A field predicate that knows some fields, so disabled-rule paths run too. */
const fieldExists = (name: string): boolean => !name.startsWith('evt.arg') && name !== 'fd.nameraw';

function checkIssue(i: Issue, files: ReadonlyMap<string, string>): void {
  const text = files.get(i.file);
  expect(text, `issue names an input file: ${JSON.stringify(i)}`).toBeDefined();
  const lines = text!.split('\n');
  expect(Number.isInteger(i.line) && Number.isInteger(i.col)).toBe(true);
  expect(i.line, JSON.stringify(i)).toBeGreaterThanOrEqual(1);
  expect(i.col, JSON.stringify(i)).toBeGreaterThanOrEqual(1);
  expect(i.line, JSON.stringify(i)).toBeLessThanOrEqual(lines.length);
  expect(i.col, JSON.stringify(i)).toBeLessThanOrEqual(lines[i.line - 1]!.length + 1);
  expect(i.code).toMatch(/^VIGIL_RULES_[A-Z_]+$/);
  expect(i.message.length).toBeGreaterThan(0);
}

function check(texts: readonly string[]): void {
  const inputs = texts.map((text, n) => ({ path: `in${n}.yaml`, text }));
  const byPath = new Map(inputs.map((f) => [f.path, f.text]));
  const t0 = performance.now();
  let r: ReturnType<typeof loadRuleTexts>;
  try {
    r = loadRuleTexts(inputs, { fieldExists });
  } catch (e) {
    throw new Error(`loadRuleTexts threw on ${JSON.stringify(texts)}: ${(e as Error).stack}`);
  }
  const ms = performance.now() - t0;
  if (ms > slowest) slowest = ms;
  expect(ms).toBeLessThan(PER_INPUT_LIMIT_MS);
  for (const i of r.errors) checkIssue(i, byPath);
  for (const i of r.warnings) checkIssue(i, byPath);
  expect(r.files).toHaveLength(inputs.length);
  for (const rule of r.rules) {
    expect(typeof rule.expandedText).toBe('string');
    expect(rule.location.line).toBeGreaterThanOrEqual(1);
  }
}

describe('loader property: never throws, every issue is inside its file', () => {
  it('6,000 mutated rule items (1-3 items of real files)', () => {
    fc.assert(
      fc.property(mutated(seedSnippets, 5), (s) => check([s])),
      { numRuns: 6_000 },
    );
  }, 120_000);

  it('6,000 more, with more damage each', () => {
    fc.assert(
      fc.property(mutated(seedSnippets, 12), (s) => check([s])),
      { numRuns: 6_000 },
    );
  }, 120_000);

  it('5,000 mutated items loaded after an intact one (overrides against real definitions)', () => {
    const pair = fc.tuple(fc.constantFrom(...seedSnippets), mutated(seedSnippets, 3));
    fc.assert(
      fc.property(pair, ([a, b]) => check([a, b])),
      { numRuns: 5_000 },
    );
  }, 120_000);

  it('5,000 items with random tokens spliced in', () => {
    const spliced = fc
      .tuple(fc.constantFrom(...seedSnippets), fc.array(fc.tuple(fc.nat(), token), { minLength: 1, maxLength: 6 }))
      .map(([s, ins]) => ins.reduce((acc, [at, t]) => acc.slice(0, at % (acc.length + 1)) + t + acc.slice(at % (acc.length + 1)), s));
    fc.assert(
      fc.property(spliced, (s) => check([s])),
      { numRuns: 5_000 },
    );
  }, 120_000);

  it.skipIf(!falcoText)(
    '100 mutated copies of the whole Falco stable file',
    () => {
      fc.assert(
        fc.property(mutated([falcoText ?? ''], 8), (s) => check([s])),
        { numRuns: 100 },
      );
      console.log(`loader property: slowest input ${slowest.toFixed(1)} ms`);
    },
    120_000,
  );
});
