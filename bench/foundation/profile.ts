/**
 * Where the idle agent spends its CPU: the benchmark's load (50 containers,
 * loopback TCP, idle processes up to --processes), the built agent under
 * `node --cpu-prof` for --seconds, then the functions with the most self
 * time, summed by function and file. Not part of `run`; a tool for
 * finding the hot spot behind a failed target.
 *
 *   npm run build && node --import tsx bench/foundation/profile.ts [--processes 1000] [--seconds 30]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../agent/package-root.js';
import { Cleanup } from './cleanup.js';
import { startContainers } from './containers.js';
import { closeHttp, startAgent } from './daemons.js';
import { fillTo, startTcpLoad } from './load.js';
import { cpuMsOf, processCount } from './proc-stat.js';
import { sleep } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time per function (µs), from a .cpuprofile. */
export function selfTimes(p: CpuProfile): { name: string; ms: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    const f = n.callFrame;
    const file = f.url.startsWith('file://') ? relative(packageRoot(), fileURLToPath(f.url)) : f.url;
    const key = `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  return [...self.entries()].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const processes = arg('processes', 1000);
  const seconds = arg('seconds', 30);
  const cleanup = new Cleanup();
  process.on('SIGINT', () => {
    cleanup.runAll();
    process.exit(130);
  });
  try {
    await startContainers(50, cleanup);
    await startTcpLoad(cleanup);
    await fillTo(processes, cleanup);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-prof-'));
    const agent = await startAgent(cleanup, join(dir, 'agent.log'), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    await sleep(10_000);
    const c0 = cpuMsOf(agent.pid);
    await sleep(seconds * 1000);
    const cpu = cpuMsOf(agent.pid) - c0;
    await agent.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    process.stdout.write(`agent at ${processCount()} processes: ${((cpu / (seconds * 1000)) * 100).toFixed(2)} % of a core over ${seconds} s\n`);
    if (!file) throw new Error(`no .cpuprofile in ${dir} (did the agent exit cleanly? see agent.log)`);
    const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const total = (prof.endTime - prof.startTime) / 1000;
    process.stdout.write(`profile ${join(dir, file)} (${(total / 1000).toFixed(0)} s of wall time, from agent start)\n`);
    for (const { name, ms } of selfTimes(prof).slice(0, 30)) process.stdout.write(`${ms.toFixed(0).padStart(8)} ms  ${name}\n`);
  } finally {
    closeHttp();
    cleanup.runAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
