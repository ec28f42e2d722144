/**
 * Where the idle agent spends its CPU: the benchmark's load (50 containers,
 * loopback TCP, idle processes up to --processes), the built agent under
 * `node --cpu-prof` for --seconds, then the functions with the most self
 * time, summed by function and file. Not part of `run`; a tool for
 * finding the hot spot behind a failed target.
 *
 *   npm run build && node --import tsx bench/foundation/profile.ts [--processes 1000] [--seconds 30]
 *
 * With --no-profile the agent runs without the profiler (whose sampling
 * thread costs CPU of its own), side by side with any --variant (see
 * compareIdle), and the idle share of each is printed for --rounds windows:
 * a quick check of one idea without the whole run. With --hold it only sets
 * up the load and keeps it until interrupted, for measuring by hand.
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
import { cpuMsOf, processCount, rssBytesOf } from './proc-stat.js';
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

const percent = (cpuMs: number, seconds: number): string => `${((cpuMs / (seconds * 1000)) * 100).toFixed(2)} %`;

/** Every value of a repeated string option. */
function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]!);
  });
  return out;
}

/**
 * The agent as built, plus one agent per `--variant "LABEL:NODE FLAGS"` or
 * `--variant "LABEL:@DIST_DIR"` (another build, e.g. a worktree's dist/),
 * all idling side by side under the same load and measured over the same
 * windows: on a shared, noisy machine only a same-window comparison tells
 * whether an idea helps.
 */
async function compareIdle(cleanup: Cleanup, dir: string, seconds: number): Promise<void> {
  const variants = [{ label: 'as built', nodeArgs: [] as string[], agentPath: undefined as string | undefined }];
  for (const v of args('variant')) {
    const colon = v.indexOf(':');
    const label = v.slice(0, colon);
    const rest = v.slice(colon + 1).trim();
    if (rest.startsWith('@')) variants.push({ label, nodeArgs: [], agentPath: join(rest.slice(1), 'agent', 'main.js') });
    else variants.push({ label, nodeArgs: rest.split(/\s+/).filter(Boolean), agentPath: undefined });
  }
  const agents = [];
  for (const [i, v] of variants.entries()) {
    agents.push(await startAgent(cleanup, join(dir, `agent-${i}.log`), { nodeArgs: v.nodeArgs, agentPath: v.agentPath }));
  }
  await sleep(10_000);
  const totals = variants.map(() => 0);
  const rounds = arg('rounds', 3);
  for (let round = 0; round < rounds; round++) {
    const c0 = agents.map((a) => cpuMsOf(a.pid));
    await sleep(seconds * 1000);
    const line = agents.map((a, i) => {
      const cpu = cpuMsOf(a.pid) - c0[i]!;
      totals[i]! += cpu;
      return `${variants[i]!.label} ${percent(cpu, seconds)} (RSS ${(rssBytesOf(a.pid) / 1e6).toFixed(1)} MB)`;
    });
    process.stdout.write(`round ${round + 1} at ${processCount()} processes: ${line.join(' | ')}\n`);
  }
  process.stdout.write(`mean over ${rounds} x ${seconds} s: ${variants.map((v, i) => `${v.label} ${percent(totals[i]!, rounds * seconds)}`).join(' | ')}\n`);
  for (const a of agents) await a.stop();
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const processes = arg('processes', 1000);
  const seconds = arg('seconds', 30);
  const cleanup = new Cleanup();
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(sig, () => {
      cleanup.runAll();
      process.exit(code);
    });
  }
  try {
    await startContainers(50, cleanup);
    await startTcpLoad(cleanup);
    await fillTo(processes, cleanup);
    if (process.argv.includes('--hold')) {
      process.stdout.write(`load ready at ${processCount()} processes; holding it until SIGINT or SIGTERM\n`);
      await new Promise(() => undefined);
    }
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-prof-'));
    if (process.argv.includes('--no-profile')) {
      await compareIdle(cleanup, dir, seconds);
      return;
    }
    const agent = await startAgent(cleanup, join(dir, 'agent.log'), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    await sleep(10_000);
    const c0 = cpuMsOf(agent.pid);
    await sleep(seconds * 1000);
    const cpu = cpuMsOf(agent.pid) - c0;
    process.stdout.write(`agent at ${processCount()} processes: ${percent(cpu, seconds)} of a core over ${seconds} s\n`);
    await agent.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
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
