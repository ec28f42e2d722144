import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RulesIssueCode } from '../../../../rules/errors.js';
import { loadRuleTexts, summarize } from '../../../../rules/load.js';
import { parseCondition } from '../../../../rules/parser/index.js';
import { printExpr } from '../../../../rules/print.js';

// Falco's stable rules live beside the repository (shared/corpora), not in it.
const FALCO = fileURLToPath(new URL('../../../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));
const present = existsSync(FALCO);
if (!present) console.log(`falco-stable: skipped, ${FALCO} is absent (a clone without ../shared)`);

describe.skipIf(!present)('Falco stable rules (falco-rules 5.1.0)', () => {
  const text = present ? readFileSync(FALCO, 'utf8') : '';
  const files = [{ path: FALCO, text }];

  it('load with zero errors and zero warnings when every field is known', () => {
    const t0 = performance.now();
    const r = loadRuleTexts(files);
    const coldMs = performance.now() - t0;
    const runs = 20;
    const t1 = performance.now();
    for (let i = 0; i < runs; i++) loadRuleTexts(files);
    const warmMs = (performance.now() - t1) / runs;
    console.log(`falco-stable (all fields known): ${summarize(r)}; load ${coldMs.toFixed(1)} ms cold, ${warmMs.toFixed(1)} ms warm (mean of ${runs})`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.rules).toHaveLength(25);
    expect(r.requiredEngineVersion).toBe('0.57.0');
    expect(r.plugins.map((p) => p.name)).toEqual(['container']);
    // Rules shipped enabled: false stay disabled; the file has none of those among stable rules.
    expect(r.rules.filter((x) => x.enabled)).toHaveLength(25);
    // Every rule points at its `- rule:` line.
    const lines = text.split('\n');
    for (const rule of r.rules) expect(lines[rule.location.line - 1]).toBe(`- rule: ${rule.name}`);
    // The expanded text is canonical: it parses back to itself.
    for (const rule of r.rules) {
      const again = parseCondition(rule.expandedText);
      expect(again.issues).toEqual([]);
      expect(printExpr(again.expr!)).toBe(rule.expandedText);
    }
  });

  it('expands the reverse-shell rule the engine must match unchanged', () => {
    const r = loadRuleTexts(files);
    const rule = r.rules.find((x) => x.name === 'Redirect STDOUT/STDIN to Network Connection in Container')!;
    expect(rule.expandedText).toBe('evt.type in (dup, dup2, dup3) and container.id != host and evt.rawres in (0, 1, 2) and fd.type in ("ipv4", "ipv6") and not evt.num = 0');
    const term = r.rules.find((x) => x.name === 'Terminal shell in container')!;
    expect(term.expandedText).toContain('proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc, docker-runc, exe');
    const untrusted = r.rules.find((x) => x.name === 'Run shell untrusted')!;
    // known_shell_spawn_cmdlines items are quoted condition strings with escapes
    expect(untrusted.expandedText).toContain('"sh -c node -e \\"require(\'nan\')\\""');
  });

  it('with the sensor field registry: zero errors, and every warning is a rule disabled for missing fields', async () => {
    let fieldExists: ((n: string, a?: string) => boolean) | undefined;
    try {
      const spec = '../../../../rules/fields/index.js';
      fieldExists = ((await import(spec)) as { fieldExists?: typeof fieldExists }).fieldExists;
    } catch {
      fieldExists = undefined;
    }
    // Without the registry, a fixed set of fields stands in for it.
    const known = new Set([
      'evt.type',
      'proc.name',
      'proc.pname',
      'proc.aname',
      'proc.cmdline',
      'proc.pcmdline',
      'proc.exe',
      'proc.pexe',
      'proc.args',
      'proc.tty',
      'container.id',
      'container.image.repository',
      'fd.type',
      'fd.name',
      'evt.rawres',
      'user.name',
      'k8s.ns.name',
    ]);
    const pred = fieldExists ?? ((n: string) => known.has(n));
    const r = loadRuleTexts(files, { fieldExists: pred });
    console.log(`falco-stable (${fieldExists ? 'sensor registry' : 'fixed field set'}): ${summarize(r)}`);
    for (const w of r.warnings) console.log(`  ${w.line}:${w.col} ${w.message}`);
    expect(r.errors).toEqual([]);
    expect(r.rules).toHaveLength(25);
    const disabled = r.rules.filter((x) => !x.enabled);
    expect(r.warnings.map((w) => w.code)).toEqual(disabled.map(() => RulesIssueCode.MISSING_FIELD));
    expect(r.warnings.map((w) => w.item)).toEqual(disabled.map((x) => `rule "${x.name}"`));
  });
});
