/**
 * Detection benchmark: reverse-shell alert latency (behavior start to alert)
 * in netlink and in poll mode, and the agent's CPU at ~100 execs/s.
 *
 *   npm run build && node --import tsx bench/detection/run.ts [--quick] [--out bench/detection/RESULTS.md]
 *
 * Needs root, a Docker engine, the vigil-test/tools and vigil-test/busybox
 * images (test/images/) and a built agent (dist/agent/main.js). Every
 * container it starts has `vigilbench-det-` in its name and is removed, also
 * on error or Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bridgeGateway } from '../../test/integration/harness/pods.js';
import { killAgents } from './agents.js';
import { measureCpu, type CpuResult } from './cpu.js';
import { measureMode, type ModeLatency } from './latency.js';
import { PodStarter, removeBenchContainers } from './pods.js';
import { renderSection } from './report.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function requireImage(image: string): void {
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
  } catch {
    throw new Error(`image ${image} missing: build it with test/images/build-*.sh`);
  }
}

/** `rounds` overrides the quick/full round count (a debugging aid). */
export async function run(opts: { quick: boolean; rounds?: number }): Promise<string> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const t0 = performance.now();
  requireImage('vigil-test/tools:latest');
  requireImage('vigil-test/busybox:latest');
  const leftovers = removeBenchContainers();
  if (leftovers) log(`[detection] removed ${leftovers} leftover vigilbench-det- containers`);
  const rounds = opts.rounds ?? (opts.quick ? 5 : 20);
  const gateway = bridgeGateway();
  const latency: ModeLatency[] = [];
  let cpu: CpuResult | undefined;
  let cpuError: string | undefined;
  const pods = new PodStarter();
  try {
    if (rounds > 0) for (const mode of ['netlink', 'poll'] as const) latency.push(await measureMode(mode, rounds, gateway, pods, log));
  } finally {
    await pods.close();
    removeBenchContainers();
  }
  try {
    cpu = await measureCpu({ settleSeconds: 10, idleSeconds: opts.quick ? 10 : 20, loadedSeconds: opts.quick ? 15 : 30 }, log);
  } catch (err) {
    cpuError = (err as Error).message;
    log(`[detection] cpu measurement failed: ${cpuError}`);
  } finally {
    removeBenchContainers();
  }
  return renderSection({
    quick: opts.quick,
    rounds,
    latency,
    cpu,
    cpuError,
    startedAt,
    loadBefore,
    seconds: (performance.now() - t0) / 1000,
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const outIndex = process.argv.indexOf('--out');
  const roundsIndex = process.argv.indexOf('--rounds');
  const rounds = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : undefined;
  const out = outIndex >= 0 ? process.argv[outIndex + 1]! : fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAgents();
      removeBenchContainers();
      process.exit(130);
    });
  }
  try {
    const section = await run({ quick, rounds });
    const doc = [
      '# Detection benchmark results',
      '',
      `Command: \`npm run build && node --import tsx bench/detection/run.ts${quick ? ' --quick' : ''}\` (see README.md for what is measured).`,
      '',
      section.replace(/^## /, '## '),
    ].join('\n');
    writeFileSync(out, doc);
    process.stdout.write(section);
    log(`[detection] wrote ${out}`);
  } finally {
    removeBenchContainers();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      log(`[detection] failed: ${(err as Error).stack ?? String(err)}`);
      killAgents();
      removeBenchContainers();
      process.exit(1);
    },
  );
}
