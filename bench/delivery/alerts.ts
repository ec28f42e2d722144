/**
 * Real alerts for the delivery benchmark: vigil's default rules (rules/library)
 * run by the real engine over the engine benchmark's event mix; every alert
 * is kept with the event that raised it, as the pipeline hands them to the hub.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { makeEvents } from '../engine/events.js';
import { compileRuleSet, createRuleEngine, type Alert, type VigilEvent } from '../../rules/index.js';
import { fieldExists } from '../../rules/fields/index.js';
import { loadRuleTexts } from '../../rules/load.js';

const LIBRARY = join(import.meta.dirname, '..', '..', 'rules', 'library');

export function realAlerts(min: number): { alert: Alert; event: VigilEvent }[] {
  const files = readdirSync(LIBRARY)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: join(LIBRARY, f), text: readFileSync(join(LIBRARY, f), 'utf8') }));
  const { ruleSet } = compileRuleSet(loadRuleTexts(files, { fieldExists }), { ruleMatching: 'all' });
  const out: { alert: Alert; event: VigilEvent }[] = [];
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'node-1' }, (alert, event) => out.push({ alert, event }));
  engine.swap(ruleSet);
  for (let seed = 1; out.length < min && seed < 100; seed++) for (const e of makeEvents(100_000, seed)) engine.process(e);
  if (out.length === 0) throw new Error('the event mix raised no alert');
  return out;
}
