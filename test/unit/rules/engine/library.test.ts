import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../../../rules/compiler/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { fieldExists } from '../../../../rules/fields/index.js';
import { loadRuleTexts } from '../../../../rules/load.js';
import { engineWith } from '../compiler/helpers.js';

const dir = join(import.meta.dirname, '..', '..', '..', '..', 'rules', 'library');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));

describe('the default rule library', () => {
  const load = loadRuleTexts(files, { fieldExists });
  const { ruleSet, issues } = compileRuleSet(load);

  it('loads and compiles with every rule active', () => {
    expect(load.errors).toEqual([]);
    expect(load.warnings.filter((w) => /cannot provide field/.test(w.message))).toEqual([]);
    expect(issues).toEqual([]);
    expect(ruleSet.summary.filter((s) => s.state !== 'active')).toEqual([]);
    expect(ruleSet.rules.length).toBeGreaterThan(10);
  });

  it('raises the reverse-shell and read-only alerts through the new fields', () => {
    const { engine, alerts } = engineWith(ruleSet);
    const dup: VigilEvent = {
      type: 'dup', source: 'syscall', timeMs: 1, rawres: 1, proc: { pid: 5, name: 'sh' },
      fd: { type: 'ipv4', rip: '203.0.113.7', rport: 4444, name: 'a->b', direction: 'out', relayPid: 4, relayName: 'nc' },
    };
    engine.process(dup);
    engine.process({ type: 'metric', source: 'metrics', timeMs: 2, metric: { subject: 'filesystem', values: { 'fs.became_readonly': 1, 'fs.readonly': 1 }, labels: { mountpoint: '/data' } } });
    engine.process({ type: 'metric', source: 'metrics', timeMs: 3, metric: { subject: 'filesystem', values: { 'fs.became_readonly': 0, 'fs.readonly': 1 }, labels: { mountpoint: '/ro' } } });
    expect(alerts.map((a) => a.rule)).toEqual(['Reverse Shell', 'Filesystem Remounted Read-Only']);
    expect(alerts[0]!.output_fields).toMatchObject({ 'fd.direction': 'out', 'fd.relay.name': 'nc', 'fd.relay.pid': 4 });
  });
});
