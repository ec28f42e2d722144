import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startAgent, type AgentHandle } from '../../test/integration/harness/agent.js';

/** Pids of agents this benchmark runs, so a signal handler can end them synchronously. */
const live = new Set<number>();

/** The agent's pid: the node process whose argv holds its unique metrics address. */
function agentPid(metricsAddr: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.includes(metricsAddr) && argv.some((a) => a.endsWith('agent/main.js'))) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no agent process with --metrics-addr ${metricsAddr}`);
}

/** The harness's startAgent, plus the agent's pid (for /proc CPU readings and for killAgents). */
export async function startTrackedAgent(args: readonly string[]): Promise<{ agent: AgentHandle; pid: number }> {
  const agent = await startAgent(args);
  let pid: number;
  try {
    pid = agentPid(new URL(agent.metricsUrl).host);
  } catch (err) {
    await agent.stop();
    throw err;
  }
  live.add(pid);
  const stop = agent.stop.bind(agent);
  return {
    pid,
    agent: {
      ...agent,
      async stop() {
        const code = await stop();
        live.delete(pid);
        return code;
      },
    },
  };
}

/** SIGTERM to every agent still running; for exit paths that cannot wait. */
export function killAgents(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export interface QuietAgent {
  readonly pid: number;
  metrics(): Promise<string>;
  stop(): Promise<number | null>;
}

// From source (tsx) the agent is under dist/; compiled, this file already is.
const MAIN = fileURLToPath(new URL(import.meta.url.includes('/dist/bench/') ? '../../agent/main.js' : '../../dist/agent/main.js', import.meta.url));

/**
 * The built agent with `--output none`. The harness's startAgent always adds
 * `--output json`, and the agent rejects a flag given twice, so this one
 * spawns it directly (same binary, same readiness check on /readyz).
 */
export async function startQuietAgent(args: readonly string[], main: string = MAIN): Promise<QuietAgent> {
  const port = await freePort();
  const child = spawn(process.execPath, [main, 'agent', '--output', 'none', '--metrics-addr', `127.0.0.1:${port}`, ...args], {
    // gRPC on a free port: the default one may be taken by another agent on this machine.
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', VIGIL_GRPC_ADDR: '127.0.0.1:0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr = (stderr + c).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;
  live.add(pid);
  const agent: QuietAgent = {
    pid,
    metrics: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      live.delete(pid);
      return code;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return agent;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await agent.stop();
      throw new Error(`agent not ready within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
