import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProcNet, type NetRow } from '../../collectors/netfs/index.js';
import { openSockDiag, type SockDiag } from '../../collectors/netfs/sock-diag-socket.js';
import { createHostScanner } from '../../collectors/scan/index.js';
import { testDeps } from '../helpers/deps.js';

// Loopback only, no container: runs wherever there is a Linux kernel with inet_diag.

/** Socket inodes this process holds. */
function ownSocketInodes(): Set<number> {
  const out = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed since readdir
    }
  }
  return out;
}

const listen = (server: Server, host: string) => new Promise<number>((r) => server.listen(0, host, () => r((server.address() as { port: number }).port)));
const dial = (host: string, port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
const key = (r: NetRow) => `${r.proto} ${r.localAddr}:${r.localPort} ${r.remoteAddr}:${r.remotePort} ${r.state} uid=${r.uid} ino=${r.inode}`;

describe('NETLINK_SOCK_DIAG TCP dump', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  let client: Socket;
  let diag: SockDiag;

  beforeAll(async () => {
    const v4 = createServer((s) => sockets.push(s));
    const v6 = createServer((s) => sockets.push(s));
    servers.push(v4, v6);
    const p4 = await listen(v4, '127.0.0.1');
    const p6 = await listen(v6, '::1');
    client = await dial('127.0.0.1', p4);
    sockets.push(client, await dial('::1', p6));
    await new Promise((r) => setTimeout(r, 50)); // both accepts done
    diag = await openSockDiag('/proc');
  });
  afterAll(() => {
    diag?.close();
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  it("gives exactly the rows /proc/net/tcp{,6} gives for this process's sockets", async () => {
    const mine = ownSocketInodes();
    const dumped = (await diag.dumpTcp()).filter((r) => mine.has(r.inode));
    const proc = [...parseProcNet(readFileSync('/proc/self/net/tcp', 'utf8'), 'tcp'), ...parseProcNet(readFileSync('/proc/self/net/tcp6', 'utf8'), 'tcp6')].filter((r) => mine.has(r.inode));
    // Two listeners, two client ends, two accepted ends.
    expect(proc.length).toBe(6);
    expect(dumped.map(key).sort()).toEqual(proc.map(key).sort());
    expect(
      dumped
        .filter((r) => r.state === 'LISTEN')
        .map((r) => r.proto)
        .sort(),
    ).toEqual(['tcp', 'tcp6']);
  });

  it('names the netns it describes', () => {
    expect(`net:[${diag.netns}]`).toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('refuses a second dump while one runs, and keeps working after', async () => {
    const first = diag.dumpTcp();
    await expect(diag.dumpTcp()).rejects.toThrow(/already running/);
    expect((await first).length).toBeGreaterThan(0);
    expect((await diag.dumpTcp()).length).toBeGreaterThan(0);
  });

  it('will not describe a /proc that is not a view of its own netns (a fixture tree)', async () => {
    await expect(openSockDiag('/nonexistent-proc')).rejects.toThrow(/cannot match the agent's netns/);
  });

  it('feeds the host scanner: a loopback connection shows with its owning pid, and a new one on the next scan', async () => {
    const deps = testDeps();
    const scanner = createHostScanner(deps, { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 4096, scanIntervalMs: 1000, sockDiag: true });
    try {
      await scanner.scan();
      const local = [...scanner.sockets.list()].find((s) => s.localPort === client.localPort && s.remotePort === client.remotePort);
      expect(local).toMatchObject({ proto: 'tcp', state: 'ESTABLISHED', localAddr: '127.0.0.1', pids: [process.pid] });
      const another = await dial('127.0.0.1', client.remotePort!);
      sockets.push(another);
      await scanner.scan();
      const seen = [...scanner.sockets.list()].find((s) => s.localPort === another.localPort && s.remotePort === another.remotePort);
      expect(seen).toMatchObject({ state: 'ESTABLISHED', pids: [process.pid] });
      // Errors of the socket side only (this VM denies /proc/1/exe: procfs errors are expected).
      expect(deps.reported.filter((r) => r.component === 'netfs')).toEqual([]);
    } finally {
      await scanner.stop();
    }
  });
});
