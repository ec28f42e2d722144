/**
 * Rule engine benchmark: events per second on one core on a realistic event
 * mix, for (1) the engine with the default bench rules, (2) the same rules
 * hand-written in TypeScript (the ceiling), (3) the same rules in CEL
 * (@marcbachmann/cel-js), and (4) the engine with the default rules + Falco's
 * stable rules + 200 generated rules. Also heap per 1,000 rules and the load
 * time of Falco's rule file. Writes bench/engine/RESULTS.md.
 *
 *   node --import tsx bench/engine/run.ts [--ms 1500] [--no-write]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { compileRuleSet, createRuleEngine } from '../../rules/index.js';
import type { VigilEvent } from '../../rules/event.js';
import { fieldExists } from '../../rules/fields/index.js';
import { loadRuleTexts } from '../../rules/loader/index.js';
import type { LoadResult } from '../../rules/types.js';
import { cel, CEL_RULE_COUNT } from './cel.js';
import { makeEvents } from './events.js';
import { generatedRulesYaml } from './generate.js';
import { handwritten } from './handwritten.js';

const here = dirname(fileURLToPath(import.meta.url));
// Works from the sources (tsx) and from dist/ (the YAML stays in the source tree).
const root = existsSync(join(here, 'rules')) ? here : join(here, '..', '..', '..', 'bench', 'engine');
const FALCO = process.env.VIGIL_FALCO_RULES ?? join(root, '..', '..', '..', 'shared', 'corpora', 'falco', 'falco_rules.yaml');
const args = process.argv.slice(2);
const runMs = Number(args[args.indexOf('--ms') + 1] ?? '') || 1500;
const write = !args.includes('--no-write');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function load(files: { path: string; text: string }[]): LoadResult {
  return loadRuleTexts(files, { fieldExists });
}

function must(r: LoadResult, what: string): LoadResult {
  if (r.errors.length > 0) {
    for (const e of r.errors.slice(0, 10)) console.error(`${e.file}:${e.line}:${e.col}: ${e.message}`);
    throw new Error(`${what}: ${r.errors.length} load errors`);
  }
  return r;
}

function merge(...rs: LoadResult[]): LoadResult {
  return { rules: rs.flatMap((r) => r.rules), errors: rs.flatMap((r) => r.errors), warnings: rs.flatMap((r) => r.warnings), files: rs.flatMap((r) => r.files) };
}

const POOL = 1 << 16;
const events = makeEvents(POOL);

/** Runs fn over the event pool for about runMs after a warm-up; returns events/s. */
function measure(fn: (e: VigilEvent) => number): { eps: number; matches: number } {
  const mask = POOL - 1;
  let sink = 0;
  for (let i = 0; i < POOL * 2; i++) sink += fn(events[i & mask]!);
  gc();
  let n = 0;
  let i = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < runMs) {
    for (let k = 0; k < 16_384; k++) { sink += fn(events[i]!); i = (i + 1) & mask; }
    n += 16_384;
    t = performance.now();
  }
  return { eps: n / ((t - t0) / 1000), matches: sink };
}

function countMatches(fn: (e: VigilEvent) => number): number {
  let m = 0;
  for (const e of events) m += fn(e);
  return m;
}

function engineFn(lr: LoadResult): { fn: (e: VigilEvent) => number; rules: number; disabled: number } {
  const { ruleSet, issues } = compileRuleSet(lr, { ruleMatching: 'all' });
  if (issues.length > 0) console.error(`note: ${issues.length} rules disabled by compile errors, e.g. ${issues[0]!.message}`);
  let alerts = 0;
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'bench' }, () => { alerts++; });
  engine.swap(ruleSet);
  return {
    fn: (e) => { const before = alerts; engine.process(e); return alerts - before; },
    rules: ruleSet.rules.length,
    disabled: ruleSet.summary.length - ruleSet.rules.length,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const defaultPath = join(root, 'rules', 'default.yaml');
const defaults = must(load([{ path: defaultPath, text: readFileSync(defaultPath, 'utf8') }]), 'default rules');

let falco: LoadResult | undefined;
let falcoLoadMs: number | undefined;
if (existsSync(FALCO)) {
  const text = readFileSync(FALCO, 'utf8');
  for (let i = 0; i < 3; i++) { const r = load([{ path: FALCO, text }]); compileRuleSet(r); } // warm the loader's code
  const t0 = performance.now();
  falco = load([{ path: FALCO, text }]);
  compileRuleSet(falco);
  falcoLoadMs = performance.now() - t0;
  if (falco.errors.length > 0) console.error(`note: Falco rules: ${falco.errors.length} load errors (first: ${falco.errors[0]!.message})`);
} else {
  console.error(`skipping Falco's rules: ${FALCO} not found`);
}
const generated = must(load([{ path: 'generated.yaml', text: generatedRulesYaml(200) }]), 'generated rules');

// Sanity: the three implementations agree on which events match.
const def = engineFn(defaults);
const mEngine = countMatches(def.fn);
const mHand = countMatches(handwritten);
const mCel = countMatches(cel);
const agree = mEngine === mHand && mHand === mCel;
if (!agree) console.error(`WARNING: match counts differ over ${POOL} events: engine ${mEngine}, hand-written ${mHand}, CEL ${mCel}`);

const rEngine = measure(def.fn);
const rHand = measure(handwritten);
const rCel = measure(cel);
const full = engineFn(merge(defaults, ...(falco ? [falco] : []), generated));
const mFull = countMatches(full.fn);
const rFull = measure(full.fn);

// Heap per 1,000 rules: load and compile 1,000 generated rules, keep them alive.
gc(); gc();
const heap0 = process.memoryUsage().heapUsed;
const big = compileRuleSet(load([{ path: 'gen1000.yaml', text: generatedRulesYaml(1000, 'mem') }])).ruleSet;
gc(); gc();
const heapPer1000 = process.memoryUsage().heapUsed - heap0;
if (big.rules.length !== 1000) console.error(`note: ${big.rules.length} of 1000 generated rules active`);

const rows = [
  ['engine, default bench rules (' + def.rules + ')', fmt(rEngine.eps), '1.00x'],
  ['hand-written TypeScript, same rules (ceiling)', fmt(rHand.eps), (rHand.eps / rEngine.eps).toFixed(2) + 'x'],
  [`CEL (@marcbachmann/cel-js), same rules (${CEL_RULE_COUNT})`, fmt(rCel.eps), (rCel.eps / rEngine.eps).toFixed(3) + 'x'],
  [`engine, default + Falco stable + 200 generated (${full.rules} active, ${full.disabled} disabled)`, fmt(rFull.eps), (rFull.eps / rEngine.eps).toFixed(2) + 'x'],
];
const md = [
  '# Rule engine benchmark',
  '',
  `\`node --import tsx bench/engine/run.ts\` — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, one core (single thread), ${runMs} ms per measurement after warm-up.`,
  '',
  `Event mix (${fmt(POOL)} pre-built events, cycled): 45% execve, 30% connect, 15% metric samples, 5% procexit, 3% accept, 2% dup; about 0.2% are built to match a rule. Rules run in \`all\` matching mode.`,
  '',
  '| implementation | events/s | vs engine |',
  '| --- | ---: | ---: |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `- engine / hand-written ceiling: **${(rEngine.eps / rHand.eps).toFixed(2)}x** (target ≥ 0.5x)`,
  `- engine / CEL: **${(rEngine.eps / rCel.eps).toFixed(1)}x** (target ≥ 10x)`,
  `- engine with the full set: **${fmt(rFull.eps)} events/s** (target ≥ 1,000,000)`,
  `- matches per ${fmt(POOL)} events: engine ${mEngine}, hand-written ${mHand}, CEL ${mCel}${agree ? ' (agree)' : ' (DISAGREE)'}; full set ${mFull}`,
  `- heap per 1,000 compiled rules (generated, after GC): **${(heapPer1000 / 1024 / 1024).toFixed(2)} MiB**`,
  falcoLoadMs !== undefined
    ? `- Falco stable rules (${falco!.rules.length} rules, ${falco!.rules.filter((r) => r.enabled).length} enabled after field checks): load + compile **${falcoLoadMs.toFixed(1)} ms**`
    : '- Falco stable rules: skipped (file not found)',
  '',
];
console.log(md.join('\n'));
if (write) writeFileSync(join(root, 'RESULTS.md'), md.join('\n'));
