import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findStdioLinks, type StdioLookups } from '../../../../collectors/stdio/index.js';
import type { ProcessInfo, SocketInfo } from '../../../../collectors/model.js';
import { proc, sock } from '../../agent/events/fixtures.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-relay-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A fixture /proc/<pid>/fd: links are plain symlinks to the kernel's names. */
function fds(pid: number, links: Record<number, string>, fdinfo: Record<number, string> = {}): void {
  mkdirSync(join(root, String(pid), 'fd'), { recursive: true });
  mkdirSync(join(root, String(pid), 'fdinfo'), { recursive: true });
  for (const [fd, target] of Object.entries(links)) symlinkSync(target, join(root, String(pid), 'fd', fd));
  for (const [fd, text] of Object.entries(fdinfo)) writeFileSync(join(root, String(pid), 'fdinfo', fd), text);
}

/** A fixture /proc/<pid>/net/unix listing these inodes. */
function unixTable(pid: number, inodes: number[]): void {
  mkdirSync(join(root, String(pid), 'net'), { recursive: true });
  const rows = inodes.map((i) => `0000000029314526: 00000003 00000000 00000000 0001 03 ${i}`);
  writeFileSync(join(root, String(pid), 'net', 'unix'), ['Num       RefCount Protocol Flags    Type St Inode Path', ...rows, ''].join('\n'));
}

function lookups(processes: ProcessInfo[], sockets: SocketInfo[]): StdioLookups {
  return {
    procRoot: root,
    socketByInode: (inode) => sockets.find((s) => s.inode === inode),
    socketsInNetns: (netns) => sockets.filter((s) => s.netns === netns),
    process: (pid) => processes.find((p) => p.pid === pid),
  };
}

describe('findStdioLinks', () => {
  it('reads a direct socket on stdio (bash /dev/tcp)', () => {
    const s = sock({ inode: 77, pids: [10] });
    const sh = proc({
      pid: 10,
      stdio: [
        { kind: 'socket', inode: 77 },
        { kind: 'socket', inode: 77 },
        { kind: 'socket', inode: 77 },
      ],
    });
    const links = findStdioLinks(sh, lookups([sh], [s]), false);
    expect(links.map((l) => l.fd)).toEqual([0, 1, 2]);
    expect(links.every((l) => l.socket === s && l.relay === undefined)).toBe(true);
  });

  it('ignores a listening socket and a socket without a peer', () => {
    const listen = sock({ inode: 5, state: 'LISTEN', remotePort: 0, remoteAddr: '0.0.0.0' });
    const sh = proc({ pid: 10, stdio: [{ kind: 'socket', inode: 5 }, { kind: 'none' }, { kind: 'none' }] });
    expect(findStdioLinks(sh, lookups([sh], [listen]), true)).toEqual([]);
  });

  it('follows a pipe to the process holding the socket (sh | nc)', () => {
    const s = sock({ inode: 900, pids: [20] });
    const sh = proc({
      pid: 10,
      stdio: [
        { kind: 'pipe', inode: 301 },
        { kind: 'pipe', inode: 302 },
        { kind: 'pipe', inode: 302 },
      ],
    });
    const nc = proc({ pid: 20, comm: 'nc' });
    fds(20, { 0: 'pipe:[302]', 1: '/tmp/f', 3: 'socket:[900]' });
    const links = findStdioLinks(sh, lookups([sh, nc], [s]), true);
    expect(links).toEqual([
      { fd: 1, socket: s, relay: { pid: 20, name: 'nc' } },
      { fd: 2, socket: s, relay: { pid: 20, name: 'nc' } },
    ]);
  });

  it('follows a Unix socketpair to the relay holding its peer (socat EXEC:sh without pty)', () => {
    const tcp = sock({ inode: 905, pids: [40] });
    const sh = proc({
      pid: 41,
      ppid: 40,
      stdio: [
        { kind: 'socket', inode: 26172 },
        { kind: 'socket', inode: 26172 },
        { kind: 'file', path: '/dev/null' },
      ],
    });
    const socat = proc({ pid: 40, comm: 'socat' });
    fds(40, { 3: 'socket:[905]', 5: 'socket:[26173]' });
    unixTable(41, [26172, 26173]);
    const links = findStdioLinks(sh, lookups([sh, socat], [tcp]), true);
    expect(links).toEqual([
      { fd: 0, socket: tcp, relay: { pid: 40, name: 'socat' } },
      { fd: 1, socket: tcp, relay: { pid: 40, name: 'socat' } },
    ]);
  });

  it('does not follow a stdio socket that is not a Unix socket, nor one whose neighbour no relay holds', () => {
    const tcp = sock({ inode: 905, pids: [40] });
    const socat = proc({ pid: 40, comm: 'socat' });
    fds(40, { 3: 'socket:[905]', 5: 'socket:[26173]' });
    // 26172 is not in net/unix (a netlink socket, say): no relay.
    const netlink = proc({ pid: 41, ppid: 40, stdio: [{ kind: 'socket', inode: 26172 }, { kind: 'socket', inode: 26172 }, { kind: 'none' }] });
    unixTable(41, [26173]);
    expect(findStdioLinks(netlink, lookups([netlink, socat], [tcp]), true)).toEqual([]);
    // A Unix socket whose peer is elsewhere (a journald stream): no relay either.
    const logged = proc({
      pid: 42,
      ppid: 40,
      stdio: [
        { kind: 'file', path: '/dev/null' },
        { kind: 'socket', inode: 500 },
        { kind: 'socket', inode: 500 },
      ],
    });
    unixTable(42, [500, 26173]);
    expect(findStdioLinks(logged, lookups([logged, socat], [tcp]), true)).toEqual([]);
  });

  it('follows a pty to the process holding its master (socat exec:sh,pty)', () => {
    const s = sock({ inode: 901, pids: [30] });
    const sh = proc({
      pid: 31,
      stdio: [
        { kind: 'tty', path: '/dev/pts/4' },
        { kind: 'tty', path: '/dev/pts/4' },
        { kind: 'tty', path: '/dev/pts/4' },
      ],
    });
    const socat = proc({ pid: 30, comm: 'socat' });
    fds(30, { 5: 'socket:[901]', 6: '/dev/ptmx' }, { 6: 'pos:\t0\nflags:\t02\nmnt_id:\t24\ntty-index:\t4\n' });
    expect(findStdioLinks(sh, lookups([sh, socat], [s]), true).map((l) => [l.fd, l.relay?.name])).toEqual([
      [0, 'socat'],
      [1, 'socat'],
      [2, 'socat'],
    ]);
  });

  it('does not match a pty master of another index or another container', () => {
    const s = sock({ inode: 901, pids: [30, 40] });
    const sh = proc({ pid: 31, containerId: 'a'.repeat(64), stdio: [{ kind: 'tty', path: '/dev/pts/0' }, { kind: 'none' }, { kind: 'none' }] });
    const otherIndex = proc({ pid: 30, comm: 'socat', containerId: 'a'.repeat(64) });
    const otherContainer = proc({ pid: 40, comm: 'sshd' });
    fds(30, { 5: 'socket:[901]', 6: '/dev/ptmx' }, { 6: 'tty-index:\t3\n' });
    fds(40, { 5: 'socket:[901]', 6: '/dev/ptmx' }, { 6: 'tty-index:\t0\n' });
    expect(findStdioLinks(sh, lookups([sh, otherIndex, otherContainer], [s]), true)).toEqual([]);
  });

  it('does not link two writers of one pipe (a stderr both inherited from their parent)', () => {
    const s = sock({ inode: 900, pids: [20] });
    const sh = proc({ pid: 10, stdio: [{ kind: 'none' }, { kind: 'none' }, { kind: 'pipe', inode: 555 }] });
    const wget = proc({ pid: 20, comm: 'wget' });
    fds(20, { 2: 'pipe:[555]', 3: 'socket:[900]' }, { 2: 'pos:\t0\nflags:\t01\n' });
    expect(findStdioLinks(sh, lookups([sh, wget], [s]), true)).toEqual([]);
  });

  it('finds the relay in the parent when the socket table names only the shell (ncat -e leaks the socket)', () => {
    const s = sock({ inode: 900, pids: [31] });
    const ncat = proc({ pid: 30, comm: 'ncat' });
    const sh = proc({ pid: 31, ppid: 30, stdio: [{ kind: 'pipe', inode: 601 }, { kind: 'pipe', inode: 602 }, { kind: 'none' }] });
    fds(30, { 3: 'socket:[900]', 5: 'pipe:[601]', 6: 'pipe:[602]' }, { 5: 'flags:\t01\n', 6: 'flags:\t00\n' });
    expect(findStdioLinks(sh, lookups([sh, ncat], [s]), true).map((l) => [l.fd, l.relay?.name])).toEqual([
      [0, 'ncat'],
      [1, 'ncat'],
    ]);
  });

  it('treats a socket owner that vanished mid-search as churn', () => {
    const s = sock({ inode: 900, pids: [99] });
    const sh = proc({ pid: 10, stdio: [{ kind: 'pipe', inode: 301 }, { kind: 'none' }, { kind: 'none' }] });
    expect(findStdioLinks(sh, lookups([sh], [s]), true)).toEqual([]);
  });
});
