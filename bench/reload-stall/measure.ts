/**
 * Quick local measurement (not in bench/run.ts): the longest event-loop stall
 * while a max-size rule set (one file at the item and byte limits of
 * rules/loader/limits.ts) is built at once (start-up) and cooperatively (hot
 * reload). Run: node --import tsx bench/reload-stall/measure.ts
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildRules, type BuildOptions } from '../../rules/build.js';
import { DEFAULT_RULE_INPUT_LIMITS } from '../../rules/loader/limits.js';
import { DEFAULT_SLICE_MS } from '../../rules/slices.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-reload-stall-'));
const file = join(dir, 'max.yaml');
const head = ['- list: shells', '  items: [sh, bash]', '- macro: spawned', '  condition: evt.type = execve'];
const rule = (i: number) =>
  [`- rule: r${i}`, '  desc: g', `  condition: spawned and proc.name = "p${i}" and not proc.pname in (shells)`, `  output: "h${i} %proc.name"`, '  priority: WARNING'].join('\n');
const n = DEFAULT_RULE_INPUT_LIMITS.maxItemsPerFile - 2;
writeFileSync(file, [...head, ...Array.from({ length: n }, (_, i) => rule(i))].join('\n'));
const bytes = statSync(file).size;

async function maxStallMs(opts: BuildOptions): Promise<{ stallMs: number; totalMs: number; active: number }> {
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

try {
  console.log(`${n} rules, ${bytes} bytes (limit ${DEFAULT_RULE_INPUT_LIMITS.maxFileBytes})`);
  for (let round = 0; round < 3; round++) {
    const sync = await maxStallMs({});
    const coop = await maxStallMs({ cooperative: { sliceMs: DEFAULT_SLICE_MS } });
    console.log(
      `synchronous: stall ${sync.stallMs.toFixed(0)} ms, total ${sync.totalMs.toFixed(0)} ms, ${sync.active} active | cooperative: stall ${coop.stallMs.toFixed(0)} ms, total ${coop.totalMs.toFixed(0)} ms, ${coop.active} active`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
