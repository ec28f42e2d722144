import { describe, expect, it } from 'vitest';
import { buildRuleTexts, type BuiltRules } from '../../../rules/build.js';
import type { RuleText } from '../../../rules/loader/files.js';

/** n rules in two files, a shared macro and list, and one rule that fails to compile. */
function ruleTexts(n: number): RuleText[] {
  const head = ['- list: shells', '  items: [sh, bash]', '- macro: spawned', '  condition: evt.type = execve'];
  const rule = (i: number) => [
    `- rule: r${i}`,
    `  desc: generated ${i}`,
    `  condition: spawned and proc.name = "p${i}" and not proc.pname in (shells)`,
    `  output: "hit ${i} %proc.name"`,
    '  priority: WARNING',
  ];
  const half = Math.floor(n / 2);
  const bad = ['- rule: bad', '  desc: x', '  condition: proc.name regex "(?=x)"', '  output: x', '  priority: WARNING'];
  return [
    { path: 'a.yaml', text: [...head, ...Array.from({ length: half }, (_, i) => rule(i)).flat()].join('\n') },
    { path: 'b.yaml', text: [...Array.from({ length: n - half }, (_, i) => rule(half + i)).flat(), ...bad].join('\n') },
  ];
}

/** Runs build while a setImmediate chain counts how often the event loop got a turn before it resolved. */
async function turnsDuring(build: () => Promise<BuiltRules>): Promise<{ built: BuiltRules; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = (): void => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const built = await build();
  done = true;
  return { built, turns };
}

function comparable(b: BuiltRules) {
  return {
    active: b.ruleSet.rules.map((r) => r.name),
    summary: b.ruleSet.summary,
    errors: b.errors,
    warnings: b.warnings,
    counts: b.counts,
    dropped: b.dropped,
    droppedRules: b.droppedRules,
    files: b.load.files,
  };
}

describe('buildRules cooperative (hot reload)', () => {
  it('gives the event loop turns in proportion to the rules and builds what the synchronous build builds', async () => {
    const turnsFor: number[] = [];
    for (const n of [1000, 4000]) {
      const files = ruleTexts(n);
      const sync = await turnsDuring(() => buildRuleTexts(files));
      const coop = await turnsDuring(() => buildRuleTexts(files, { cooperative: { sliceMs: 0 } }));
      expect(comparable(coop.built)).toEqual(comparable(sync.built));
      expect(coop.built.ruleSet.rules).toHaveLength(n);
      expect(coop.built.droppedRules).toEqual(['bad']);
      expect(sync.turns).toBe(0);
      expect(coop.turns).toBeGreaterThan(n);
      turnsFor.push(coop.turns);
    }
    expect(turnsFor[1]).toBeGreaterThan(turnsFor[0]! * 2);
  });
});
