import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Alert } from '../../../rules/alert.js';

/** One alert as `--output json` prints it, with when the test read it (ms since the epoch). */
export type JsonAlert = Alert & { readonly receivedMs: number };

export interface AgentHandle {
  readonly alerts: JsonAlert[];
  readonly metricsUrl: string;
  /** The agent's gRPC event stream, `127.0.0.1:<port>`. */
  readonly grpcAddr: string;
  /** The spawned process: the agent, or the prefix command that runs it. */
  readonly pid: number | undefined;
  stderr(): string;
  /** Resolves with the first alert (already received or arriving) that matches. */
  waitForAlert(match: (a: JsonAlert) => boolean, timeoutMs: number): Promise<JsonAlert>;
  metrics(): Promise<string>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait: no shutdown code runs (a crash, an OOM kill). */
  kill(): Promise<void>;
}

const MAIN = join(import.meta.dirname, '..', '..', '..', 'dist', 'agent', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface StartOptions {
  /** A command the agent runs under, e.g. setpriv with a reduced capability set. */
  readonly prefix?: readonly string[];
}

/**
 * Runs the built agent (`npm test` builds first) as a real child process
 * with JSON alerts on stdout, and waits until /readyz says it is ready.
 */
export async function startAgent(args: readonly string[], env: NodeJS.ProcessEnv = {}, opts: StartOptions = {}): Promise<AgentHandle> {
  const port = await freePort();
  const grpcAt = args.indexOf('--grpc-addr');
  const grpcAddr = grpcAt >= 0 ? args[grpcAt + 1]! : `127.0.0.1:${await freePort()}`;
  const argv = [process.execPath, MAIN, 'agent', '--output', 'json', '--metrics-addr', `127.0.0.1:${port}`, ...(grpcAt >= 0 ? [] : ['--grpc-addr', grpcAddr]), ...args];
  const [cmd, ...rest] = [...(opts.prefix ?? []), ...argv];
  const child: ChildProcess = spawn(cmd!, rest, {
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const alerts: JsonAlert[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!line.trim()) continue;
      try {
        alerts.push({ ...(JSON.parse(line) as Alert), receivedMs: Date.now() });
      } catch {
        stderr += `[unparsable stdout line] ${line}\n`;
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-200_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;

  const handle: AgentHandle = {
    alerts,
    metricsUrl,
    grpcAddr,
    pid: child.pid,
    stderr: () => stderr,
    waitForAlert(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = alerts.find(match);
          if (found) {
            cleanup();
            resolve(found);
          }
          return found !== undefined;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching alert within ${timeoutMs} ms; alerts so far:\n${alerts.map((a) => `${a.rule}: ${a.output}`).join('\n')}\nagent stderr tail:\n${stderr.slice(-3000)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = (): void => void check();
        if (!check()) waiters.add(waiter);
      });
    },
    async metrics() {
      return (await fetch(metricsUrl)).text();
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`agent not ready within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
