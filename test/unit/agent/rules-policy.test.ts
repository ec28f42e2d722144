import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { refuseBrokenRules, rulesReadinessDetail } from '../../../agent/rules-policy.js';
import { emptyRuleSet, RulesRefusedError } from '../../../rules/index.js';

const deps = { log: pino({ level: 'silent' }), registry: new Registry(), errors: { report: () => undefined } };

describe('rules policy', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dirWith = (text: string): string => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-i13-policy-'));
    dirs.push(d);
    writeFileSync(join(d, 'r.yaml'), text);
    return d;
  };

  it('fail refuses broken rules before anything starts; skip never refuses', async () => {
    const broken = dirWith('- rule: r\n  desc: d\n  condition: evt.type = execv\n  output: o\n  priority: INFO\n');
    await expect(refuseBrokenRules({ paths: [broken], onError: 'fail' }, deps)).rejects.toBeInstanceOf(RulesRefusedError);
    await expect(refuseBrokenRules({ paths: [broken], onError: 'skip' }, deps)).resolves.toBeUndefined();
    const clean = dirWith('- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: INFO\n');
    await expect(refuseBrokenRules({ paths: [clean], onError: 'fail' }, deps)).resolves.toBeUndefined();
  });

  it('the readiness detail is the summary, plus what was dropped', () => {
    const base = {
      ruleSet: emptyRuleSet(),
      load: { rules: [], errors: [], warnings: [], files: [] },
      summary: '1 rules active, 0 disabled for missing fields, 0 disabled as never firing, 0 disabled by file',
    };
    expect(rulesReadinessDetail({ ...base, dropped: [] })).toBe(base.summary);
    expect(rulesReadinessDetail({ ...base, dropped: ['rule "Shell"', 'list "allowed"'] })).toBe(`${base.summary}; dropped (--rules-on-error skip): rule "Shell", list "allowed"`);
  });
});
