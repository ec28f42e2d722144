/**
 * Foundation benchmark (issue 2): host scan cost at ~1,000 and ~5,000
 * processes with 50 containers against ps + ss, the agent's idle CPU and
 * RSS, and the CPU of one /metrics scrape against node_exporter's.
 *
 *   npm run build && node --import tsx bench/foundation/run.ts [--quick] [--out FILE]
 *
 * Needs root, Docker with the vigil-test/busybox image and
 * prometheus-node-exporter. Creates containers named vigilbench-N and
 * thousands of `sleep` processes, and removes them all at the end, also on
 * an error or SIGINT/SIGTERM. The full run writes bench/foundation/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBaseline } from './baseline.js';
import { Cleanup } from './cleanup.js';
import { startContainers } from './containers.js';
import { closeHttp, startAgent, startNodeExporter } from './daemons.js';
import { fillTo, startTcpLoad } from './load.js';
import { agentSelfReport, idleCpu, scrapeCost } from './measure.js';
import { processCount } from './proc-stat.js';
import { renderMarkdown, type AgentLevel, type Results, type ScanLevel } from './report.js';
import { measureScanCost } from './scan-cost.js';
import { sleep } from './stats.js';

export interface RunOptions {
  readonly quick: boolean;
}

/** Repeats and idle windows of a full run, and of a --quick one (fewer, shorter); the load itself is the same. */
const FULL = { coldWarmups: 4, coldRepeats: 7, steadyScans: 20, baselineRepeats: 7, agentIdleS: 60, agent5kIdleS: 30, nodeExporterIdleS: 30, scrapeRounds: 3 } as const;
const QUICK = { coldWarmups: 2, coldRepeats: 3, steadyScans: 10, baselineRepeats: 3, agentIdleS: 20, agent5kIdleS: 10, nodeExporterIdleS: 10, scrapeRounds: 2 } as const;

function settingsFor(quick: boolean) {
  return { containers: 50, steadyIntervalMs: 250, agentWarmupS: 10, scrapes: 50, ...(quick ? QUICK : FULL) };
}

function log(msg: string): void {
  process.stderr.write(`[bench/foundation ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function machineInfo(): Record<string, string> {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    date: new Date().toISOString(),
    nproc: String(cpus().length),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: release(),
    os: sh('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
    node: process.version,
    'procps ps': sh('ps', ['--version']),
    ss: sh('ss', ['--version']),
    node_exporter: sh('prometheus-node-exporter', ['--version']).split('\n')[0] ?? 'unknown',
    docker: sh('docker', ['info', '--format', '{{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}} ({{.CgroupDriver}})']),
    'load average at start (1/5/15 min)': loadavg()
      .map((x) => x.toFixed(2))
      .join(' / '),
  };
}

async function scanLevel(target: number, s: ReturnType<typeof settingsFor>, cleanup: Cleanup): Promise<ScanLevel> {
  await fillTo(target, cleanup);
  const processesBefore = processCount();
  log(`~${target}: ${processesBefore} processes; scanner child`);
  const scan = await measureScanCost({ coldWarmups: s.coldWarmups, coldRepeats: s.coldRepeats, steadyScans: s.steadyScans, steadyIntervalMs: s.steadyIntervalMs }, cleanup);
  log(`~${target}: baseline ps + ss`);
  const baseline = await measureBaseline(s.baselineRepeats);
  return { targetProcesses: target, processesBefore, processesAfter: processCount(), scan, baseline };
}

async function agentLevel(idleS: number, s: ReturnType<typeof settingsFor>, ids: readonly string[], cleanup: Cleanup, logFile: string, keep: boolean) {
  const agent = await startAgent(cleanup, logFile);
  try {
    await sleep(s.agentWarmupS * 1000);
    const self = await agentSelfReport(agent, ids);
    const processes = processCount();
    log(`agent ${agent.pid}: idle ${idleS} s at ${processes} processes, ${self.containers} containers seen`);
    const idle = await idleCpu(agent.pid, idleS);
    const level: AgentLevel = { processes, idle, self, command: agent.command };
    if (keep) return { level, agent };
    await agent.stop();
    return { level, agent: undefined };
  } catch (err) {
    await agent.stop();
    throw err;
  }
}

/** Runs the whole benchmark and returns its Markdown section. */
export async function run(opts: RunOptions): Promise<string> {
  const s = settingsFor(opts.quick);
  const cleanup = new Cleanup();
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup.runAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  const onExit = () => cleanup.runAll();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  const logDir = tmpdir();
  try {
    const machine = machineInfo();
    log(`starting ${s.containers} containers`);
    const t0 = performance.now();
    const ctr = await startContainers(s.containers, cleanup);
    const containerStartSeconds = (performance.now() - t0) / 1000;
    const tcp = await startTcpLoad(cleanup);
    log(`${tcp.connections} TCP connections`);

    const level1k = await scanLevel(1000, s, cleanup);
    const a1 = await agentLevel(s.agentIdleS, s, ctr.ids, cleanup, join(logDir, 'vigil-bench-agent-1k.log'), true);
    log(`agent: ${a1.level.idle.percentOfCore.toFixed(2)} % idle; scrapes`);
    const scrapeAgent = await scrapeCost(a1.agent!, a1.level.idle.rate, s.scrapes, s.scrapeRounds);
    await a1.agent!.stop();

    log('node_exporter');
    const ne = await startNodeExporter(cleanup, join(logDir, 'vigil-bench-node-exporter.log'));
    const { nodeExporterIdle, scrapeNodeExporter } = await (async () => {
      try {
        await sleep(5000);
        const idle = await idleCpu(ne.pid, s.nodeExporterIdleS);
        return { nodeExporterIdle: idle, scrapeNodeExporter: await scrapeCost(ne, idle.rate, s.scrapes, s.scrapeRounds) };
      } finally {
        await ne.stop();
      }
    })();

    const level5k = await scanLevel(5000, s, cleanup);
    const a5 = await agentLevel(s.agent5kIdleS, s, ctr.ids, cleanup, join(logDir, 'vigil-bench-agent-5k.log'), false);

    const results: Results = {
      quick: opts.quick,
      machine,
      containers: ctr.ids.length,
      containerStartSeconds,
      tcpConnections: tcp.connections,
      levels: [level1k, level5k],
      agent1k: a1.level,
      agent5k: a5.level,
      scrapeAgent,
      scrapeNodeExporter,
      nodeExporterIdle,
      nodeExporterCommand: ne.command,
      settings: s,
    };
    return renderMarkdown(results);
  } finally {
    log('cleaning up');
    closeHttp();
    cleanup.runAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const quick = process.argv.includes('--quick');
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx >= 0 ? process.argv[outIdx + 1] : quick ? undefined : fileURLToPath(new URL('./RESULTS.md', import.meta.url)).replace(/\/dist\/bench\//, '/bench/');
  run({ quick }).then(
    (md) => {
      process.stdout.write(md);
      if (out) {
        writeFileSync(out, `# Foundation benchmark results\n\n${md}`);
        log(`wrote ${out}`);
      }
    },
    (err: unknown) => {
      process.stderr.write(`bench/foundation failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
