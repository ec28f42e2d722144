import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { killGroup, killPid, type Cleanup } from './cleanup.js';
import { processCount } from './proc-stat.js';

/**
 * Background load for the scans: idle processes (most `sleep 3600`, one in
 * ten with a ~1 KB Java-like command line so cmdline reads and ps's args
 * column have real work) and loopback TCP connections between node
 * processes (a server, clients holding connections, one client churning).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// $1 = how many. Every child's stdio is /dev/null so none holds the pipe to us.
// `exec -a` gives the long ones a long argv[0]; the extra `0`s are more argv
// elements that GNU sleep adds to its duration.
const FILLER_SCRIPT = `
pad=$(printf 'lib/dependency-%04d.jar:' $(seq 1 24))
zeros=$(printf '0 %.0s' $(seq 1 20))
for ((i = 0; i < $1; i++)); do
  if (( i % 10 == 0 )); then
    (exec -a "/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xms256m -Xmx512m -Dvigil.bench.instance=$i -cp $pad/opt/app/app.jar com.example.Main" sleep 3600 $zeros) </dev/null >/dev/null 2>&1 &
  else
    sleep 3600 </dev/null >/dev/null 2>&1 &
  fi
done
echo ready
wait
`;

export interface Filler {
  readonly spawned: number;
  stop(): void;
}

/** Starts `count` idle processes in their own process group; resolves once all were forked. */
export async function spawnFiller(count: number, cleanup: Cleanup): Promise<Filler> {
  if (count <= 0) return { spawned: 0, stop: () => undefined };
  const child = spawn('bash', ['-c', FILLER_SCRIPT, 'vigil-bench-filler', String(count)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pgid = child.pid!;
  const stop = cleanup.add(`filler group ${pgid}`, () => killGroup(pgid));
  let out = '';
  child.stdout!.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`filler bash exited early (${code})`)));
  });
  await Promise.race([ready, sleep(180_000).then(() => Promise.reject(new Error('filler: not ready after 180 s')))]);
  child.stdout!.destroy();
  child.unref();
  await sleep(1000); // the last forks exec sleep
  return { spawned: count, stop };
}

/** Adds filler processes until the host has about `target` processes; returns the filler (or none). */
export async function fillTo(target: number, cleanup: Cleanup): Promise<Filler> {
  return spawnFiller(target - processCount(), cleanup);
}

function peerPath(): string {
  return fileURLToPath(import.meta.url).replace(/load\.(ts|js)$/, 'tcp-peer.$1');
}

async function message<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  const timer = setTimeout(() => child.emit('error', new Error(`tcp-peer ${child.pid}: no answer in ${timeoutMs} ms`)), timeoutMs);
  try {
    const [m] = (await once(child, 'message')) as [T];
    return m;
  } finally {
    clearTimeout(timer);
  }
}

export interface TcpLoad {
  readonly connections: number;
  readonly pids: readonly number[];
}

/** A server and `clients` client processes holding `perClient` connections each; the last one churns. */
export async function startTcpLoad(cleanup: Cleanup, clients = 4, perClient = 25, churnMs = 500): Promise<TcpLoad> {
  const start = (args: string[]) => {
    const c = fork(peerPath(), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    cleanup.add(`tcp-peer ${c.pid}`, () => killPid(c.pid!));
    return c;
  };
  const server = start(['server']);
  const { port } = await message<{ port: number }>(server, 30_000);
  const peers = [server];
  let connections = 0;
  for (let i = 0; i < clients; i++) {
    const c = start(['client', String(port), String(perClient), String(i === clients - 1 ? churnMs : 0)]);
    peers.push(c);
    connections += (await message<{ connected: number }>(c, 30_000)).connected;
  }
  for (const p of peers) {
    p.disconnect();
    p.unref();
  }
  return { connections, pids: peers.map((p) => p.pid!) };
}
