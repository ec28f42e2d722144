/**
 * Profiling helper: runs one rule set through the engine for a few seconds.
 *   node --import tsx --cpu-prof bench/engine/profile.ts [library|bench|full] [seconds]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { compileRuleSet, createRuleEngine } from '../../rules/index.js';
import { fieldExists } from '../../rules/fields/index.js';
import { loadRuleTexts } from '../../rules/load.js';
import { makeEvents } from './events.js';
import { generatedRulesYaml } from './generate.js';

const here = dirname(fileURLToPath(import.meta.url));
const which = process.argv[2] ?? 'library';
const seconds = Number(process.argv[3] ?? 3);
const libDir = join(here, '..', '..', 'rules', 'library');
const library = readdirSync(libDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ path: f, text: readFileSync(join(libDir, f), 'utf8') }));
const falco = join(here, '..', '..', '..', 'shared', 'corpora', 'falco', 'falco_rules.yaml');
const files =
  which === 'bench'
    ? [{ path: 'default.yaml', text: readFileSync(join(here, 'rules', 'default.yaml'), 'utf8') }]
    : which === 'full'
      ? [...library, { path: falco, text: readFileSync(falco, 'utf8') }, { path: 'generated.yaml', text: generatedRulesYaml(200) }]
      : library;
const lr = loadRuleTexts(files, { fieldExists });
const { ruleSet } = compileRuleSet(which === 'library' ? { ...lr, rules: lr.rules.filter((r) => (r.source || 'syscall') === 'syscall') } : lr, { ruleMatching: 'all' });
let alerts = 0;
const engine = createRuleEngine({ registry: new Registry(), hostname: 'bench' }, () => {
  alerts++;
});
engine.swap(ruleSet);
const events = makeEvents(1 << 16);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let k = 0; k < 3; k++) for (const e of events) engine.process(e);
const t0 = cpuMs();
let n = 0;
while (cpuMs() - t0 < seconds * 1000) {
  for (const e of events) engine.process(e);
  n += events.length;
}
console.log(`${which}: ${Math.round(n / ((cpuMs() - t0) / 1000)).toLocaleString('en-US')} events per CPU-second, ${alerts} alerts, ${(engine.evaluations / n).toFixed(2)} evaluations/event`);
