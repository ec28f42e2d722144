import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocketTable } from '../../collectors/netfs/index.js';
import { createProcessTable } from '../../collectors/procfs/index.js';
import { TEST_IMAGE, docker, integrationUnavailable } from './docker-env.js';
import { testDeps } from '../helpers/deps.js';

const skip = integrationUnavailable();
const deps = testDeps;
const cfg = { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 65536 };
const hostNetns = () => Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))![1]);

/** The docker bridge gateway: an address of this machine that containers reach. */
function bridgeGateway(): string {
  const gw = docker('network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}');
  if (gw) return gw;
  const out = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' });
  return /inet (\d+\.\d+\.\d+\.\d+)/.exec(out)![1]!;
}

/** ss -tanpe in this netns: inode -> owning pids. */
function ssOwners(): Map<number, number[]> {
  const out = execFileSync('ss', ['-tanpeH'], { encoding: 'utf8' });
  const owners = new Map<number, number[]>();
  for (const line of out.split('\n')) {
    const ino = /\bino:(\d+)/.exec(line);
    if (!ino || ino[1] === '0') continue;
    const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    owners.set(
      Number(ino[1]),
      [...new Set(pids)].sort((a, b) => a - b),
    );
  }
  return owners;
}

describe.skipIf(skip)('socket table on the real /proc', () => {
  it('agrees with ss -tanp on the TCP sockets of the host netns and their pids', () => {
    const procs = createProcessTable(deps(), cfg);
    const socks = createSocketTable(deps(), { procRoot: '/proc' });
    procs.scan();
    socks.scan(procs);
    const before = new Map([...socks.list()].map((s) => [s.inode, s]));
    const ss = ssOwners();
    procs.scan();
    socks.scan(procs);
    const netns = hostNetns();
    let compared = 0;
    for (const [inode, b] of before) {
      const a = socks.byInode(inode);
      if (!a || b.netns !== netns || !b.proto.startsWith('tcp')) continue;
      if (a.pids.join() !== b.pids.join()) continue; // owners changed around the ss call
      const ssPids = ss.get(inode);
      expect(ssPids, `socket ${inode} ${a.localAddr}:${a.localPort} not in ss`).toBeDefined();
      expect({ inode, pids: a.pids }).toEqual({ inode, pids: ssPids });
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  describe('a TCP connection from a container to a host listener', () => {
    const name = `vigilsk-${process.pid}-${Date.now()}`;
    let server: Server;
    let accepted: Promise<Socket>;
    let gateway = '';
    let port = 0;
    let containerId = '';
    let ncPid = 0;

    beforeAll(async () => {
      gateway = bridgeGateway();
      server = createServer();
      accepted = new Promise((r) => server.once('connection', r));
      await new Promise<void>((r) => server.listen(0, gateway, r));
      port = (server.address() as { port: number }).port;
      // -i keeps nc's stdin open so it holds the connection until removed.
      containerId = docker('run', '-d', '-i', '--name', name, TEST_IMAGE, 'nc', gateway, String(port));
      ncPid = Number(docker('inspect', '-f', '{{.State.Pid}}', name));
      await accepted;
    });
    afterAll(async () => {
      try {
        docker('rm', '-f', name);
      } catch {
        /* already gone */
      }
      server?.close();
      (await accepted)?.destroy();
    });

    it('is in the socket table with the nc pid (host pid) and its container', async () => {
      const peer = await accepted;
      const procs = createProcessTable(deps(), cfg);
      const socks = createSocketTable(deps(), { procRoot: '/proc' });
      procs.scan();
      socks.scan(procs);

      const client = [...socks.list()].find((s) => s.remoteAddr === gateway && s.remotePort === port && s.localPort === peer.remotePort);
      expect(client).toMatchObject({ proto: 'tcp', state: 'ESTABLISHED', localAddr: peer.remoteAddress, pids: [ncPid] });
      const nc = procs.get(ncPid)!;
      expect(nc).toMatchObject({ comm: 'nc', containerId, vpid: 1 });
      expect(client!.netns).toBe(nc.netns);
      expect(client!.netns).not.toBe(hostNetns());

      // The host side: accepted by this very process, plus the listener.
      const serverSide = [...socks.list()].find((s) => s.localAddr === gateway && s.localPort === port && s.remotePort === peer.remotePort);
      expect(serverSide).toMatchObject({ state: 'ESTABLISHED', netns: hostNetns(), pids: [process.pid] });
      const listener = [...socks.list()].find((s) => s.localAddr === gateway && s.localPort === port && s.state === 'LISTEN');
      expect(listener?.pids).toEqual([process.pid]);
    });

    it('finds the owners of connections opened after the first scan', async () => {
      const procs = createProcessTable(deps(), cfg);
      const socks = createSocketTable(deps(), { procRoot: '/proc' });
      procs.scan();
      socks.scan(procs);
      // A new process in the container (its fd table is read as it is new) ...
      const fromExec = new Promise<Socket>((r) => server.once('connection', r));
      docker('exec', '-d', name, 'sh', '-c', `sleep 600 | nc ${gateway} ${port}`);
      const execPeer = await fromExec;
      // ... and a process already scanned (this one): found by the owner search.
      const fromSelf = new Promise<Socket>((r) => server.once('connection', r));
      const mine = connect(port, gateway);
      const selfPeer = await fromSelf;
      try {
        const pidsOf = (localPort: number, remotePort: number) => [...socks.list()].find((x) => x.localPort === localPort && x.remotePort === remotePort)?.pids ?? [];
        for (let i = 0; i < 20; i++) {
          procs.scan();
          socks.scan(procs);
          if (pidsOf(execPeer.remotePort!, port).length && pidsOf(selfPeer.remotePort!, port).length) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const owner = procs.get(pidsOf(execPeer.remotePort!, port)[0] ?? -1);
        expect(owner).toMatchObject({ comm: 'nc', containerId });
        expect(owner!.vpid).not.toBe(1);
        expect(pidsOf(selfPeer.remotePort!, port)).toEqual([process.pid]);
        expect(pidsOf(port, selfPeer.remotePort!)).toEqual([process.pid]);
      } finally {
        execPeer.destroy();
        selfPeer.destroy();
        mine.destroy();
      }
    });
  });
});
