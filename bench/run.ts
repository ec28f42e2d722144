/**
 * Runs every benchmark, one after the other on the same machine, and gathers
 * their recorded results into bench/RESULTS.md. Each folder stays runnable on
 * its own (see bench/README.md); this only sequences them, since two
 * benchmarks at once would measure each other.
 *
 *   npm run bench                 # everything, full length (~20 min)
 *   npm run bench -- --quick      # shorter windows, for a smoke run (results not gathered)
 *   npm run bench -- --only engine,exec
 *   npm run bench -- --gather     # only rebuild bench/RESULTS.md from the folders' results
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = join(import.meta.dirname);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
const gatherOnly = args.includes('--gather');

/** Each benchmark's own entry and how it shortens itself. */
const BENCHMARKS: readonly { name: string; title: string; quickArgs: string[] }[] = [
  { name: 'foundation', title: 'Foundation: scans, idle agent, scrape (issue 2)', quickArgs: ['--quick'] },
  { name: 'engine', title: 'Rule engine throughput (issue 3)', quickArgs: ['--rounds', '2', '--ms', '200', '--no-write'] },
  { name: 'exec', title: 'Exec coverage (issue 4)', quickArgs: ['--count', '200', '--out', '/dev/null'] },
  { name: 'detection', title: 'Detection latency and agent CPU at 100 execs/s (issue 4)', quickArgs: ['--quick'] },
  { name: 'metadata', title: 'Metadata: attribution latency, pod index memory, CPU per pod update (issue 10)', quickArgs: ['--quick', '--out', '/dev/null'] },
  { name: 'delivery', title: 'Event delivery through gRPC (issue 9)', quickArgs: ['--quick'] },
  { name: 'spool', title: 'Push-output spool write and replay (issue 9)', quickArgs: ['--records', '2000', '--rounds', '1', '--no-write'] },
  { name: 'reload-stall', title: 'Hot reload stall at the rule input limits (issue 7)', quickArgs: ['--rounds', '1', '--no-write'] },
  { name: 'regex', title: 'Regex engine: re2js against backtracking RegExp (issue 7)', quickArgs: ['--ms', '100', '--no-write'] },
  { name: 'audit', title: 'Kernel audit: cost per syscall, HTTP requests/s, agent CPU, records lost (issue 14)', quickArgs: ['--quick', '--no-write'] },
  { name: 'soak', title: 'Soak: churn, scrapes, reloads and a slow reader for 10 minutes (issue 7)', quickArgs: ['--ms', '30000', '--no-write'] },
];

let failed = 0;
for (const b of BENCHMARKS) {
  if (gatherOnly || (only && !only.has(b.name))) continue;
  console.log(`\n=== bench/${b.name} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(here, b.name, 'run.ts'), ...(quick ? b.quickArgs : [])], {
    stdio: 'inherit',
    cwd: join(here, '..'),
  });
  if (run.status !== 0) {
    failed++;
    console.error(`bench/${b.name} exited with ${run.status ?? run.signal}`);
  }
}

if (!quick) {
  const sections = BENCHMARKS.map((b) => {
    const file = join(here, b.name, 'RESULTS.md');
    const body = existsSync(file)
      ? readFileSync(file, 'utf8')
          .replace(/^# .*\n/, '')
          .trim()
      : '_not run yet_';
    return `## ${b.title}\n\nFrom [${b.name}/RESULTS.md](${b.name}/RESULTS.md).\n\n${body.replace(/^## /gm, '### ')}\n`;
  });
  writeFileSync(
    join(here, 'RESULTS.md'),
    `# Benchmark results\n\nGathered by \`npm run bench\` from each benchmark's own RESULTS.md; every number was measured against its baseline in the same run on the same machine (2 cores, shared, noisy). The summary table is in the README.\n\n${sections.join('\n')}`,
  );
  console.log('\nwrote bench/RESULTS.md');
}
process.exit(failed > 0 ? 1 : 0);
