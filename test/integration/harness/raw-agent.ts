import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from './agent.js';

const MAIN = join(import.meta.dirname, '..', '..', '..', 'dist', 'agent', 'main.js');

/**
 * The built agent as a child whose stdout the test controls (it is not read
 * until the test reads it), for the slow-reader and broken-pipe cases;
 * startAgent (agent.ts) reads stdout at once.
 */
export interface RawAgent {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  stderr(): string;
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number | undefined>;
  readyz(): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean; detail: string }> } }>;
  waitListening(timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

export async function spawnRawAgent(
  args: readonly string[],
  opts: {
    stdout?: 'pipe' | 'ignore';
    env?: NodeJS.ProcessEnv;
    port?: number;
    /** RLIMIT_NOFILE (soft and hard) for the agent. */
    nofile?: number;
    /** Run as this user, without capabilities (setpriv). */
    user?: string;
    /** A command the agent runs under (e.g. setpriv dropping one capability); not with `user` or `nofile`. */
    prefix?: readonly string[];
  } = {},
): Promise<RawAgent> {
  const port = opts.port ?? (await freePort());
  // gRPC on a free port: several agents run at once here, and 9868 may be taken.
  const argv = [MAIN, 'agent', '--metrics-addr', `127.0.0.1:${port}`, '--grpc-addr', '127.0.0.1:0', ...args];
  const prefix = opts.user === undefined ? [] : ['setpriv', `--reuid=${opts.user}`, `--regid=${opts.user}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
  const shell = `${opts.nofile === undefined ? '' : `ulimit -n ${opts.nofile} && `}exec "$@"`;
  const [cmd, cmdArgs] =
    opts.nofile === undefined && opts.user === undefined
      ? opts.prefix
        ? [opts.prefix[0]!, [...opts.prefix.slice(1), process.execPath, ...argv]]
        : [process.execPath, argv]
      : ['sh', ['-c', shell, 'sh', ...prefix, process.execPath, ...argv]];
  const child = spawn(cmd, cmdArgs, {
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-100_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const agent: RawAgent = {
    child,
    port,
    base,
    stderr: () => stderr,
    async metric(name, labels = {}) {
      return metricFromText((await httpGet(port, '/metrics')).body, name, labels);
    },
    async readyz() {
      const r = await httpGet(port, '/readyz');
      return { status: r.status, body: JSON.parse(r.body) as never };
    },
    async waitListening(timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${stderr}`);
        try {
          await httpGet(port, '/healthz');
          return;
        } catch {
          if (Date.now() > end) throw new Error(`agent not listening within ${timeoutMs} ms:\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  return agent;
}

/** One sample's value from Prometheus text, matching every given label. */
export function metricFromText(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One GET on a fresh connection (no keep-alive reuse racing the server's idle timeout). */
export function httpGet(port: number, path: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
