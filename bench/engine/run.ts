/**
 * Rule engine benchmark: events per second on one core on a realistic event
 * mix (events.ts), in one process, interleaved:
 *   - vigil's default rules (rules/library, syscall source) in the engine,
 *     hand-written in TypeScript (the ceiling) and in CEL (@marcbachmann/cel-js);
 *   - the 13 bench rules (rules/default.yaml), the same three ways;
 *   - the engine with the whole library + Falco's stable rules + 200
 *     generated rules (generate.ts).
 * Each round measures every implementation once, in turn, on the same event
 * array; the table reports the median of the rounds. Also heap per 1,000
 * rules and the load time of Falco's rule file. Writes bench/engine/RESULTS.md.
 *
 *   node --import tsx bench/engine/run.ts [--ms 400] [--rounds 7] [--no-write]
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { compileRuleSet, createRuleEngine } from '../../rules/index.js';
import type { VigilEvent } from '../../rules/event.js';
import { fieldExists } from '../../rules/fields/index.js';
import { loadRuleTexts } from '../../rules/load.js';
import type { LoadResult } from '../../rules/types.js';
import { cel, CEL_RULE_COUNT } from './cel.js';
import { CEL_LIBRARY_RULE_COUNT, celLibrary } from './cel-library.js';
import { HAND_LIBRARY_RULE_COUNT, handwrittenLibrary } from './handwritten-library.js';
import { makeEvents } from './events.js';
import { generatedRulesYaml } from './generate.js';
import { handwritten } from './handwritten.js';

const here = dirname(fileURLToPath(import.meta.url));
// Works from the sources (tsx) and from dist/ (the YAML stays in the source tree).
const root = existsSync(join(here, 'rules')) ? here : join(here, '..', '..', '..', 'bench', 'engine');
const FALCO = process.env.VIGIL_FALCO_RULES ?? join(root, '..', '..', '..', 'shared', 'corpora', 'falco', 'falco_rules.yaml');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const runMs = opt('--ms', 400);
const rounds = opt('--rounds', 7);
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

/** CPU time of this process in ms (user + system): on a shared machine, wall time counts other processes' turns. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Runs fn over the event pool for about runMs of CPU time (the caller warms
 * up); returns events per CPU-second, i.e. per second of one core.
 */
function measure(fn: (e: VigilEvent) => number): { eps: number; matches: number } {
  const mask = POOL - 1;
  let sink = 0;
  gc();
  let n = 0;
  let i = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < runMs) {
    for (let k = 0; k < 16_384; k++) {
      sink += fn(events[i]!);
      i = (i + 1) & mask;
    }
    n += 16_384;
    t = cpuMs();
  }
  return { eps: n / ((t - t0) / 1000), matches: sink };
}

function countMatches(fn: (e: VigilEvent) => number): number {
  let m = 0;
  for (const e of events) m += fn(e);
  return m;
}

function engineFn(lr: LoadResult): { fn: (e: VigilEvent) => number; evaluations: () => number; rules: number; disabled: number } {
  const { ruleSet, issues } = compileRuleSet(lr, { ruleMatching: 'all' });
  if (issues.length > 0) console.error(`note: ${issues.length} rules disabled by compile errors, e.g. ${issues[0]!.message}`);
  let alerts = 0;
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'bench' }, () => {
    alerts++;
  });
  engine.swap(ruleSet);
  return {
    fn: (e) => {
      const before = alerts;
      engine.process(e);
      return alerts - before;
    },
    evaluations: () => engine.evaluations,
    rules: ruleSet.rules.length,
    disabled: ruleSet.summary.length - ruleSet.rules.length,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const LIBRARY = join(root, '..', '..', 'rules', 'library');
const libraryFiles = readdirSync(LIBRARY)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => ({ path: join(LIBRARY, f), text: readFileSync(join(LIBRARY, f), 'utf8') }));
const library = must(load(libraryFiles), 'rules/library');
// The comparison leaves out the metric rules (`for:` is state over time, not a condition).
// Throttles are dropped too: the comparison counts condition matches, not alerts.
const librarySyscall: LoadResult = {
  ...library,
  rules: library.rules.filter((r) => (r.source || 'syscall') === 'syscall').map((r) => ({ ...r, throttle: undefined })),
};

const defaultPath = join(root, 'rules', 'default.yaml');
const bench13 = must(load([{ path: defaultPath, text: readFileSync(defaultPath, 'utf8') }]), 'bench rules');
let falco: LoadResult | undefined;
let falcoLoadMs: number | undefined;
if (existsSync(FALCO)) {
  const text = readFileSync(FALCO, 'utf8');
  for (let i = 0; i < 3; i++) {
    const r = load([{ path: FALCO, text }]);
    compileRuleSet(r);
  } // warm the loader's code
  const t0 = performance.now();
  falco = load([{ path: FALCO, text }]);
  compileRuleSet(falco);
  falcoLoadMs = performance.now() - t0;
  if (falco.errors.length > 0) console.error(`note: Falco rules: ${falco.errors.length} load errors (first: ${falco.errors[0]!.message})`);
} else {
  console.error(`skipping Falco's rules: ${FALCO} not found`);
}
const generated = must(load([{ path: 'generated.yaml', text: generatedRulesYaml(200) }]), 'generated rules');

// Sanity: the three implementations of each set agree on which events match.
const lib = engineFn(librarySyscall);
const b13 = engineFn(bench13);
const full = engineFn(merge(library, ...(falco ? [falco] : []), generated));
const impls: { key: string; fn: (e: VigilEvent) => number }[] = [
  { key: 'lib', fn: lib.fn },
  { key: 'libHand', fn: handwrittenLibrary },
  { key: 'libCel', fn: celLibrary },
  { key: 'b13', fn: b13.fn },
  { key: 'b13Hand', fn: handwritten },
  { key: 'b13Cel', fn: cel },
  { key: 'full', fn: full.fn },
];
const matches = new Map(impls.map((m) => [m.key, countMatches(m.fn)]));
const libAgree = matches.get('lib') === matches.get('libHand') && matches.get('libHand') === matches.get('libCel');
const b13Agree = matches.get('b13') === matches.get('b13Hand') && matches.get('b13Hand') === matches.get('b13Cel');
if (!libAgree) console.error(`WARNING: library match counts differ: engine ${matches.get('lib')}, hand-written ${matches.get('libHand')}, CEL ${matches.get('libCel')}`);
if (!b13Agree) console.error(`WARNING: bench-rule match counts differ: engine ${matches.get('b13')}, hand-written ${matches.get('b13Hand')}, CEL ${matches.get('b13Cel')}`);
const evalsBefore = full.evaluations();
countMatches(full.fn);
const fullEvalsPerEvent = (full.evaluations() - evalsBefore) / POOL;

// Warm up every implementation, then interleave: engine, hand, CEL, ... per round.
for (const m of impls) for (let k = 0; k < 3; k++) countMatches(m.fn);
const samples = new Map<string, number[]>(impls.map((m) => [m.key, []]));
for (let r = 0; r < rounds; r++) for (const m of impls) samples.get(m.key)!.push(measure(m.fn).eps);
const eps = (k: string): number => median(samples.get(k)!);
const spread = (k: string): string => {
  const xs = samples.get(k)!;
  return `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
};

// Heap per 1,000 rules: load and compile 1,000 generated rules, keep them alive.
gc();
gc();
const heap0 = process.memoryUsage().heapUsed;
const big = compileRuleSet(load([{ path: 'gen1000.yaml', text: generatedRulesYaml(1000, 'mem') }])).ruleSet;
gc();
gc();
const heapPer1000 = process.memoryUsage().heapUsed - heap0;
if (big.rules.length !== 1000) console.error(`note: ${big.rules.length} of 1000 generated rules active`);

// Ratios are the median of per-round ratios: both sides were measured
// moments apart, so a change in the machine's load hits both.
const ratio = (a: string, b: string): number => median(samples.get(a)!.map((x, i) => x / samples.get(b)![i]!));
const row = (name: string, k: string, vs: string): string => `| ${name} | ${fmt(eps(k))} | ${spread(k)} | ${ratio(k, vs).toFixed(2)}x |`;
const md = [
  '# Rule engine benchmark',
  '',
  `\`node --import tsx bench/engine/run.ts\` — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, one core (single thread), events per second of CPU time (process.cpuUsage, so that other processes on the shared machine do not count). ${rounds} rounds; each round measures every implementation for ${runMs} ms of CPU, in turn, on the same array of ${fmt(POOL)} pre-built events (cycled), after a warm-up; the table gives the median and the range over the rounds. The machine is shared, so single runs are noisy: compare the ratios (measured in the same rounds) rather than absolute numbers across runs.`,
  '',
  'Event mix (events.ts): 44% execve, 30% connect, 15% metric samples, 5% procexit, 3% accept, 2% dup, 1% container; about 0.2% are built to match a rule. Rules run in `all` matching mode (every rule is evaluated; no early exit).',
  '',
  '| implementation | events/s (median) | range over rounds | vs engine (median of per-round ratios) |',
  '| --- | ---: | ---: | ---: |',
  row(`engine, vigil default rules (rules/library, ${lib.rules} syscall rules)`, 'lib', 'lib'),
  row(`hand-written TypeScript, same ${HAND_LIBRARY_RULE_COUNT} rules (ceiling)`, 'libHand', 'lib'),
  row(`CEL (@marcbachmann/cel-js), same ${CEL_LIBRARY_RULE_COUNT} rules`, 'libCel', 'lib'),
  row(`engine, the 13 bench rules (rules/default.yaml)`, 'b13', 'b13'),
  row('hand-written TypeScript, same 13 rules', 'b13Hand', 'b13'),
  row(`CEL, same ${CEL_RULE_COUNT} rules`, 'b13Cel', 'b13'),
  row(`engine, library + Falco stable + 200 generated (${full.rules} active, ${full.disabled} disabled)`, 'full', 'lib'),
  '',
  `- **engine / hand-written ceiling** (default rules): **${ratio('lib', 'libHand').toFixed(2)}x** (target ≥ 0.5x); 13 bench rules: ${ratio('b13', 'b13Hand').toFixed(2)}x`,
  `- **engine / CEL** (default rules): **${ratio('lib', 'libCel').toFixed(1)}x** (target ≥ 10x); 13 bench rules: ${ratio('b13', 'b13Cel').toFixed(1)}x`,
  `- **engine with the full set: ${fmt(eps('full'))} events/s** (target ≥ 1,000,000); ${fullEvalsPerEvent.toFixed(2)} rule evaluations per event after the evt.type and equality indexes`,
  `- matches per ${fmt(POOL)} events: default rules engine ${matches.get('lib')}, hand-written ${matches.get('libHand')}, CEL ${matches.get('libCel')}${libAgree ? ' (agree)' : ' (DISAGREE)'}; 13 bench rules ${matches.get('b13')}/${matches.get('b13Hand')}/${matches.get('b13Cel')}${b13Agree ? ' (agree)' : ' (DISAGREE)'}; full set ${matches.get('full')}`,
  `- The default-rule comparison covers the library's ${lib.rules} syscall-source rules; its ${library.rules.length - librarySyscall.rules.length} metric rules are left out of it (all but one use \`for:\`, a duration the condition must hold, which hand-written and CEL versions would not have), but they are in the full set.`,
  `- heap per 1,000 compiled rules (generated, after GC): **${(heapPer1000 / 1024 / 1024).toFixed(2)} MiB**`,
  falcoLoadMs !== undefined
    ? `- Falco stable rules (${falco!.rules.length} rules, ${falco!.rules.filter((r) => r.enabled).length} enabled after field checks): load + compile **${falcoLoadMs.toFixed(1)} ms**`
    : '- Falco stable rules: skipped (file not found)',
  '',
];
console.log(md.join('\n'));
if (write) writeFileSync(join(root, 'RESULTS.md'), md.join('\n'));
