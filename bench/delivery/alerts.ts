/**
 * Real alerts for the delivery benchmark: vigil's default rules (rules/library)
 * run by the real engine over the engine benchmark's event mix; every alert
 * is kept with the event that raised it and its rule's output layout, as the
 * pipeline hands them to the hub.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { makeEvents } from '../engine/events.js';
import { compileRuleSet, createRuleEngine, type Alert, type OutputLayout, type VigilEvent } from '../../rules/index.js';
import { fieldExists } from '../../rules/fields/index.js';
import { loadRuleTexts } from '../../rules/load.js';

const LIBRARY = join(import.meta.dirname, '..', '..', 'rules', 'library');

export interface RealAlert {
  readonly alert: Alert;
  readonly event: VigilEvent;
  readonly layout: OutputLayout;
}

export function realAlerts(min: number): RealAlert[] {
  const files = readdirSync(LIBRARY)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: join(LIBRARY, f), text: readFileSync(join(LIBRARY, f), 'utf8') }));
  const { ruleSet } = compileRuleSet(loadRuleTexts(files, { fieldExists }), { ruleMatching: 'all' });
  const out: RealAlert[] = [];
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'node-1' }, (alert, event, layout) => out.push({ alert, event, layout }));
  engine.swap(ruleSet);
  for (let seed = 1; out.length < min && seed < 100; seed++) for (const e of makeEvents(100_000, seed)) engine.process(e);
  if (out.length === 0) throw new Error('the event mix raised no alert');
  return out;
}
