import { execFileSync, spawn } from 'node:child_process';
import { startQuietAgent } from './agents.js';
import { cpuMsOf } from '../foundation/proc-stat.js';
import { NAME_PREFIX } from './pods.js';

const IMAGE = 'vigil-test/busybox:latest';
/** Host-side execs per second (node spawns, half /bin/true, half sh -c 'exit 0'). */
const HOST_RATE = 50;
/**
 * The in-container loop: one exec of /bin/true per turn (a path, so busybox
 * sh really execs it; the bare `usleep` runs as an applet without exec, as
 * the measured rate showed). 19 ms of sleep + ~1 ms of fork/exec gives about
 * 50 execs/s on an idle machine; the real rate is measured, not assumed.
 */
const LOOP_USLEEP = 19_000;

export interface CpuWindow {
  readonly seconds: number;
  readonly cpuMs: number;
  readonly percentOfCore: number;
  /** execve events the rule engine saw (vigil_events_total{type="execve"}) per second. */
  readonly execsPerSecond: number;
  /** Exec events the exec watcher emitted (vigil_exec_events_total{kind="exec"}) per second. */
  readonly watcherExecsPerSecond: number;
}

export interface CpuResult {
  readonly agentArgs: readonly string[];
  readonly idle: CpuWindow;
  readonly loaded: CpuWindow;
  readonly hostSpawned: number;
  /** (loaded CPU - idle CPU) / (loaded exec rate - idle exec rate), in ms of CPU per exec. */
  readonly cpuMsPerExec: number;
  readonly lostEvents: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function sample(text: string, name: string, label: string): number {
  const re = new RegExp(`^${name}\\{${label}\\} (\\S+)$`, 'm');
  return Number(re.exec(text)?.[1] ?? 0);
}

interface Counters {
  readonly execve: number;
  readonly watcherExec: number;
  readonly lost: number;
}

async function counters(metrics: () => Promise<string>): Promise<Counters> {
  const text = await metrics();
  return {
    execve: sample(text, 'vigil_events_total', 'type="execve"'),
    watcherExec: sample(text, 'vigil_exec_events_total', 'kind="exec"'),
    lost: Number(/^vigil_exec_events_lost_total (\S+)$/m.exec(text)?.[1] ?? 0),
  };
}

async function window(pid: number, metrics: () => Promise<string>, seconds: number): Promise<CpuWindow> {
  const m0 = await counters(metrics);
  const c0 = cpuMsOf(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpuMs = cpuMsOf(pid) - c0;
  const wallS = (performance.now() - t0) / 1000;
  const m1 = await counters(metrics);
  return {
    seconds: wallS,
    cpuMs,
    percentOfCore: (cpuMs / (wallS * 1000)) * 100,
    execsPerSecond: (m1.execve - m0.execve) / wallS,
    watcherExecsPerSecond: (m1.watcherExec - m0.watcherExec) / wallS,
  };
}

/** Spawns HOST_RATE short processes per second until `signal` aborts; resolves with how many it spawned. */
async function hostDriver(signal: AbortSignal): Promise<number> {
  const period = 1000 / HOST_RATE;
  const t0 = performance.now();
  let i = 0;
  while (!signal.aborted) {
    const c = i % 2 === 0 ? spawn('/bin/true', { stdio: 'ignore' }) : spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
    c.on('error', () => undefined);
    i++;
    const wait = t0 + i * period - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return i;
}

/**
 * Agent CPU at ~100 execs/s: netlink mode, no alert output; settle, idle
 * window, then a container loop and a host driver exec ~50/s each while the
 * loaded window is measured. utime+stime of the agent process from /proc.
 */
export async function measureCpu(opts: { idleSeconds: number; loadedSeconds: number; settleSeconds: number }, log: (l: string) => void): Promise<CpuResult> {
  const agentArgs = ['--output', 'none', '--exec-mode', 'netlink'];
  const agent = await startQuietAgent(agentArgs.slice(2));
  const pid = agent.pid;
  const container = `${NAME_PREFIX}load-${process.pid}`;
  const abort = new AbortController();
  try {
    log(`[detection] cpu: agent pid ${pid}, settling ${opts.settleSeconds} s`);
    await sleep(opts.settleSeconds * 1000);
    const idle = await window(pid, () => agent.metrics(), opts.idleSeconds);
    log(`[detection] cpu: idle ${idle.percentOfCore.toFixed(2)} % (${idle.execsPerSecond.toFixed(1)} background execs/s)`);

    execFileSync('docker', ['run', '-d', '--name', container, IMAGE, 'sh', '-c', `while true; do /bin/true; usleep ${LOOP_USLEEP}; done`], { stdio: 'ignore' });
    const driver = hostDriver(abort.signal);
    await sleep(3000); // container start and its first execs out of the window
    const loaded = await window(pid, () => agent.metrics(), opts.loadedSeconds);
    abort.abort();
    const hostSpawned = await driver;
    log(`[detection] cpu: loaded ${loaded.percentOfCore.toFixed(2)} % at ${loaded.execsPerSecond.toFixed(1)} execs/s`);
    const lostEvents = (await counters(() => agent.metrics())).lost;
    const cpuMsPerExec = ((loaded.percentOfCore - idle.percentOfCore) * 10) / Math.max(1e-9, loaded.execsPerSecond - idle.execsPerSecond);
    return { agentArgs, idle, loaded, hostSpawned, cpuMsPerExec, lostEvents };
  } finally {
    abort.abort();
    try {
      execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    } catch {
      // never started
    }
    await agent.stop();
  }
}
