import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogFor, createRuleEngine, createRulesWatcher, type RulesLoaded } from '../../../../rules/index.js';

const RULES = `- rule: Shadow read
  desc: d
  condition: evt.type in (open, openat) and evt.is_open_read = true and fd.name = /etc/shadow
  output: read %fd.name
  priority: WARNING
- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: shell %proc.name
  priority: WARNING
`;

/** The state counts of vigil_rules_loaded as the engine publishes them. */
async function loaded(registry: Registry): Promise<Record<string, number>> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'vigil_rules_loaded');
  return Object.fromEntries((m?.values ?? []).filter((v) => v.value > 0).map((v) => [String(v.labels.state), v.value]));
}

describe('rules counted as the agent runs them: with or without the audit source', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('an agent without audit does not count a file rule as active; a refresh after the audit source turned out off recounts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-14b-catalog-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'r.yaml'), RULES);
    const registry = new Registry();
    const engine = createRuleEngine({ registry, hostname: 'h' }, () => undefined);
    const loads: RulesLoaded[] = [];
    let auditing = true;
    const watcher = createRulesWatcher(
      { log: pino({ level: 'silent' }), registry, errors: { report: () => undefined } },
      { paths: [dir], debounceMs: 20, catalog: () => catalogFor(auditing) },
      (l) => {
        loads.push(l);
        engine.swap(l.ruleSet);
      },
    );
    await watcher.start(new AbortController().signal);
    try {
      expect(loads[0]!.summary).toBe('2 rules active, 0 disabled for missing fields, 0 disabled as never firing, 0 disabled by file');
      expect(await loaded(registry)).toEqual({ active: 2 });
      auditing = false;
      watcher.refresh();
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (loads.length > 1) resolve(clearInterval(t));
        }, 10);
      });
      expect(loads[1]!.summary).toBe('1 rules active, 0 disabled for missing fields, 1 disabled as never firing, 0 disabled by file');
      expect(loads[1]!.ruleSet.rules.map((r) => r.name)).toEqual(['Shell']);
      expect(await loaded(registry)).toEqual({ active: 1, disabled_never_fires: 1 });
    } finally {
      await watcher.stop();
    }
  });
});
