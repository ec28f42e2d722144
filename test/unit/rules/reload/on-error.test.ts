import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuleEngine, createRulesWatcher, RulesRefusedError, type RulesLoaded, type RulesOnError } from '../../../../rules/index.js';

const BASE = `- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: shell %proc.name
  priority: WARNING
- rule: Other
  desc: d
  condition: evt.type = execve and proc.name = zsh
  output: zsh %proc.name
  priority: WARNING
`;
// A tuning item with a misspelled key under override: Falco refuses the file.
const BROKEN_TUNING = `- rule: Shell
  exceptions:
    - name: ok
      fields: [proc.pname]
      values: [[sshd]]
  override:
    exceptions: apend
`;

describe('--rules-on-error (first load)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function setup(onError: RulesOnError, files: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-i13-onerror-'));
    dirs.push(dir);
    for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
    const registry = new Registry();
    const engine = createRuleEngine({ registry, hostname: 'h' }, () => undefined);
    const loads: RulesLoaded[] = [];
    const logs: string[] = [];
    const log = pino(
      { level: 'info' },
      {
        write: (s: string) => {
          logs.push(s);
        },
      },
    );
    const watcher = createRulesWatcher({ log, registry, errors: { report: () => undefined } }, { paths: [dir], debounceMs: 50, onError }, (l) => {
      loads.push(l);
      engine.swap(l.ruleSet);
    });
    return { watcher, loads, registry, logs };
  }

  it('skip runs what compiled, drops the rule whose override failed (never untuned), and says so', async () => {
    const t = setup('skip', { '10-base.yaml': BASE, '20-tuning.yaml': BROKEN_TUNING });
    await t.watcher.start(new AbortController().signal);
    await t.watcher.stop();
    expect(t.loads).toHaveLength(1);
    const l = t.loads[0]!;
    expect(l.ruleSet.rules.map((r) => r.name)).toEqual(['Other']);
    expect(l.dropped).toEqual(['rule "Shell"']);
    const m = await t.registry.getSingleMetric('vigil_rules_loaded')!.get();
    const v = (state: string): number | undefined => m.values.find((x) => x.labels.state === state)?.value;
    expect(v('active')).toBe(1);
    expect(v('dropped')).toBe(1);
    expect(t.logs.join('')).toContain('running what compiled without rule \\"Shell\\" (--rules-on-error skip)');
    expect(t.logs.join('')).toContain("invalid override operation for key 'exceptions': 'apend'");
  });

  it('fail refuses to start: start() rejects with RulesRefusedError and nothing is loaded', async () => {
    const t = setup('fail', { '10-base.yaml': BASE, '20-tuning.yaml': BROKEN_TUNING });
    await expect(t.watcher.start(new AbortController().signal)).rejects.toBeInstanceOf(RulesRefusedError);
    await t.watcher.stop();
    expect(t.loads).toHaveLength(0);
  });

  it('fail starts normally when the files are clean', async () => {
    const t = setup('fail', { '10-base.yaml': BASE });
    await t.watcher.start(new AbortController().signal);
    await t.watcher.stop();
    expect(t.loads[0]!.ruleSet.rules.map((r) => r.name)).toEqual(['Shell', 'Other']);
    expect(t.loads[0]!.dropped).toEqual([]);
    expect(t.loads[0]!.summary).toBe('2 rules active, 0 disabled for missing fields, 0 disabled as never firing, 0 disabled by file');
  });
});
