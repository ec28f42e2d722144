/**
 * Hot reload of a rule set at the input limits (issue 7): the longest
 * event-loop stall while one file at the item and byte limits of
 * rules/loader/limits.ts is built cooperatively (the watcher's reload,
 * rules/slices.ts), against the same build run at once (the baseline: what
 * start-up and `rules validate` do, and what every reload did before), in
 * the same run. While the loop stalls, exec events wait in the kernel's
 * socket buffer and no alert is written. Also: how long a 50 MB rule file
 * (issue 7's: 26.8 s and 3.9 GB to validate before the limits) takes to be
 * refused, target under a second.
 *
 *   node --import tsx bench/reload-stall/run.ts [--rounds 3] [--no-write]
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildRules, type BuildOptions } from '../../rules/build.js';
import { DEFAULT_RULE_INPUT_LIMITS } from '../../rules/loader/limits.js';
import { DEFAULT_SLICE_MS } from '../../rules/slices.js';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 3;
const write = !args.includes('--no-write');

const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-stall-'));
const file = join(dir, 'max.yaml');
const head = ['- list: shells', '  items: [sh, bash]', '- macro: spawned', '  condition: evt.type = execve'];
const rule = (i: number) =>
  [`- rule: r${i}`, '  desc: g', `  condition: spawned and proc.name = "p${i}" and not proc.pname in (shells)`, `  output: "h${i} %proc.name"`, '  priority: WARNING'].join('\n');
const n = DEFAULT_RULE_INPUT_LIMITS.maxItemsPerFile - 2;
writeFileSync(file, [...head, ...Array.from({ length: n }, (_, i) => rule(i))].join('\n'));
const bytes = statSync(file).size;

interface Build {
  readonly stallMs: number;
  readonly totalMs: number;
  readonly active: number;
}

async function build(opts: BuildOptions): Promise<Build> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const built = await buildRules([file], opts);
  const totalMs = performance.now() - t0;
  // The sampling timer records a stall only when it finally runs: give it that turn.
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.disable();
  return { stallMs: h.max / 1e6, totalMs, active: built.counts.active };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: readonly number[], digits = 0): string => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)} ms`;

/** A 50 MB file of valid rules: refused by its size, before anything is read. */
function writeHuge(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Array.from({ length: 4000 }, (_, i) => rule(i)).join('\n');
  for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) writeSync(fd, `${chunk}\n`);
  closeSync(fd);
}

async function rejectHuge(path: string): Promise<{ ms: number; stallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const built = await buildRules([path], { cooperative: { sliceMs: DEFAULT_SLICE_MS } });
  const ms = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 20));
  h.disable();
  if (!built.errors.some((e) => e.code === 'VIGIL_RULES_TOO_LARGE')) throw new Error('the 50 MB file was not refused as too large');
  return { ms, stallMs: h.max / 1e6 };
}

const atOnce: Build[] = [];
const cooperative: Build[] = [];
const huge: { ms: number; stallMs: number }[] = [];
try {
  const hugeFile = join(dir, 'huge.yaml');
  writeHuge(hugeFile);
  for (let round = 0; round < rounds; round++) huge.push(await rejectHuge(hugeFile));
  console.log(`${n} rules, ${bytes} bytes (limit ${DEFAULT_RULE_INPUT_LIMITS.maxFileBytes})`);
  for (let round = 0; round < rounds; round++) {
    atOnce.push(await build({}));
    cooperative.push(await build({ cooperative: { sliceMs: DEFAULT_SLICE_MS } }));
    const [a, c] = [atOnce.at(-1)!, cooperative.at(-1)!];
    console.log(`round ${round + 1}: at once: stall ${a.stallMs.toFixed(0)} ms, total ${a.totalMs.toFixed(0)} ms | cooperative: stall ${c.stallMs.toFixed(0)} ms, total ${c.totalMs.toFixed(0)} ms`);
    if (a.active !== c.active) throw new Error(`the two builds disagree: ${a.active} vs ${c.active} active rules`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const ratio = median(cooperative.map((b) => b.stallMs)) / median(atOnce.map((b) => b.stallMs));
const hugeTimes = huge.map((x) => x.ms);
const hugeMs = median(hugeTimes);
const hugeStall = median(huge.map((x) => x.stallMs));
const rows = [
  `| Longest event-loop stall, median (range) | ${median(cooperative.map((b) => b.stallMs)).toFixed(0)} ms (${range(cooperative.map((b) => b.stallMs))}) | ${median(atOnce.map((b) => b.stallMs)).toFixed(0)} ms (${range(atOnce.map((b) => b.stallMs))}) | ${ratio.toFixed(2)}x | ≤ 0.25x | ${ratio <= 0.25 ? 'pass' : 'FAIL'} |`,
  `| 50 MB rule file refused (VIGIL_RULES_TOO_LARGE), median (range); longest stall meanwhile | ${hugeMs.toFixed(1)} ms (${range(hugeTimes, 1)}); stall ${hugeStall.toFixed(0)} ms | 26.8 s, 3.9 GB (issue 7, before the limits; not re-run) | — | < 1 s | ${hugeMs < 1000 ? 'pass' : 'FAIL'} |`,
  `| Whole build, median (range) | ${median(cooperative.map((b) => b.totalMs)).toFixed(0)} ms (${range(cooperative.map((b) => b.totalMs))}) | ${median(atOnce.map((b) => b.totalMs)).toFixed(0)} ms (${range(atOnce.map((b) => b.totalMs))}) | ${(median(cooperative.map((b) => b.totalMs)) / median(atOnce.map((b) => b.totalMs))).toFixed(2)}x | — | |`,
];
console.log(rows.join('\n'));

if (write) {
  writeFileSync(
    join(import.meta.dirname, 'RESULTS.md'),
    `# Reload stall results

Recorded by \`bench/reload-stall/run.ts\` on ${new Date().toISOString()} (${cpus().length} cores, shared with other work; load average ${loadavg()[0]!.toFixed(1)} at the end). One rule file at the input limits of \`rules/loader/limits.ts\`: ${n.toLocaleString('en-US')} rules, ${Math.round(bytes / 1024)} KiB, ${atOnce[0]!.active.toLocaleString('en-US')} active. The longest event-loop delay (\`perf_hooks.monitorEventLoopDelay\`, 1 ms resolution) while it is built cooperatively (a hot reload: slices of ${DEFAULT_SLICE_MS} ms, \`rules/slices.ts\`) against the same build run at once (the baseline: start-up and \`rules validate\`, and every reload before issue 7), ${rounds} rounds of each in the same process, alternating.

| Measure | Cooperative (hot reload) | At once (baseline) | Ratio | Target | Result |
|---|---|---|---|---|---|
${rows.join('\n')}

What still runs in one piece (composing a YAML document from its syntax tree, the macro and list checks, the memo plan and dispatch index) bounds the cooperative stall; docs/never-blind.md says why a worker thread was not used.
`,
  );
}
