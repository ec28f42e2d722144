import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent, get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../agent/package-root.js';
import { killPid, type Cleanup } from './cleanup.js';
import { sleep } from './stats.js';

/** A long-running process under measurement: the agent or node_exporter. */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly command: string;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** One keep-alive connection per target, as Prometheus scrapes. */
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });

export function httpGet(url: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: keepAlive, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

export function closeHttp(): void {
  keepAlive.destroy();
}

async function waitOk(url: string, child: ChildProcess, timeoutMs: number, logHint: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${logHint} exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
    try {
      if ((await httpGet(url, 2000)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (${logHint})`);
}

function daemon(name: string, command: string, child: ChildProcess, port: number, cleanup: Cleanup): Daemon {
  const pid = child.pid!;
  const alive = () => child.exitCode === null && child.signalCode === null;
  // Only while Node has not reaped it: a reaped pid may already be someone else's.
  const kill = cleanup.add(`${name} ${pid}`, () => {
    if (alive()) killPid(pid, 'SIGKILL');
  });
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    port,
    command,
    stop() {
      stopping ??= (async () => {
        if (alive()) {
          const exited = once(child, 'exit');
          killPid(pid, 'SIGTERM');
          await Promise.race([exited, sleep(5000)]);
        }
        kill(); // SIGKILL if still there
      })();
      return stopping;
    },
  };
}

/**
 * The Node flags `npm start` runs the agent with (the `start` script of
 * package.json, e.g. --max-semi-space-size=1), so the benchmark measures the
 * agent as it is deployed (the bin's shebang and the Dockerfile use the same).
 */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) return [];
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (!w.startsWith('-')) break;
    flags.push(w);
  }
  return flags;
}

/** The path of the built agent; the benchmark measures what `npm start` runs. */
export function builtAgentPath(): string {
  const main = join(packageRoot(), 'dist', 'agent', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return main;
}

/**
 * Starts the built agent on loopback ports with alerts off and a 1 s scan,
 * and waits for /readyz. Its JSON log goes to `logFile`. VIGIL_* variables
 * of the caller are not passed on, so only the flags below configure it.
 */
export async function startAgent(cleanup: Cleanup, logFile: string, opts: { scanIntervalMs?: number; nodeArgs?: readonly string[]; agentPath?: string } = {}): Promise<Daemon> {
  const scanIntervalMs = opts.scanIntervalMs ?? 1000;
  const port = await freePort();
  const grpcPort = await freePort();
  const args = [
    opts.agentPath ?? builtAgentPath(),
    'agent',
    '--output',
    'none',
    '--scan-interval-ms',
    String(scanIntervalMs),
    '--metrics-addr',
    `127.0.0.1:${port}`,
    '--grpc-addr',
    `127.0.0.1:${grpcPort}`,
    // Every scrape renders, as node_exporter's does: the scrape-cost comparison is of renderings.
    '--metrics-min-interval-ms',
    '0',
  ];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...startNodeFlags(), ...(opts.nodeArgs ?? []), ...args], { stdio: ['ignore', 'ignore', log], env });
  closeSync(log);
  const d = daemon('agent', `node ${[...startNodeFlags(), ...args].join(' ').replace(/\S*dist\/agent/, 'dist/agent')}`, child, port, cleanup);
  try {
    await waitOk(`http://127.0.0.1:${port}/readyz`, child, 60_000, `agent, log in ${logFile}`);
  } catch (err) {
    await d.stop();
    throw err;
  }
  return d;
}

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

/** Debian's node_exporter with its default collectors, on a loopback port. */
export async function startNodeExporter(cleanup: Cleanup, logFile: string): Promise<Daemon> {
  const port = await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`];
  const log = openSync(logFile, 'w');
  const child = spawn(NODE_EXPORTER, args, { stdio: ['ignore', 'ignore', log] });
  closeSync(log);
  const d = daemon('node_exporter', `prometheus-node-exporter ${args.join(' ')}`, child, port, cleanup);
  try {
    await waitOk(`http://127.0.0.1:${port}/metrics`, child, 30_000, `node_exporter, log in ${logFile}`);
  } catch (err) {
    await d.stop();
    throw err;
  }
  return d;
}
