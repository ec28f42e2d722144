import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSocketTable, type SocketTable } from '../../../../collectors/netfs/index.js';
import { createProcessTable, type ProcessTable } from '../../../../collectors/procfs/index.js';
import { FIXTURE_PROC, fixtureCopy, SSHD_LISTEN_ROW, testDeps } from '../procfs/helpers.js';

let t: ReturnType<typeof fixtureCopy>;
let deps: ReturnType<typeof testDeps>;
let procs: ProcessTable;
let socks: SocketTable;

beforeEach(() => {
  t = fixtureCopy();
  deps = testDeps();
  procs = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096 });
  socks = createSocketTable(deps, { procRoot: t.proc });
});
afterEach(() => rmSync(t.root, { recursive: true, force: true }));

function scan() {
  procs.scan();
  return socks.scan(procs);
}

const HOST_NS = 4026531840;
const CTR_NS = 4026532000;
const row = (inode: number, local = '0100007F:A2B6', remote = '0100007F:0016', st = '01') =>
  `   9: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

/** Makes counters move the way a connect() does, so the TCP gate lets the read through. */
function bumpActiveOpens(pid: number): void {
  const path = join(t.proc, `${pid}/net/snmp`);
  const [names, values] = readFileSync(path, 'utf8').trim().split('\n');
  const v = values!.split(' ');
  v[5] = String(Number(v[5]) + 1);
  writeFileSync(path, `${names}\n${v.join(' ')}\n`);
}

describe('createSocketTable', () => {
  it('reads every netns once, with owning pids from the fd tables', () => {
    const s = scan();
    const by = new Map(s.added.map((x) => [x.inode, x]));
    expect([...by.keys()].sort()).toEqual([5001, 5002, 5003, 5004, 5005, 5006, 5007, 6001]);
    expect(by.get(5001)).toEqual({ ...SSHD_LISTEN_ROW, netns: HOST_NS, pids: [100] });
    expect(by.get(5002)).toMatchObject({ pids: [101], uid: 1000, state: 'ESTABLISHED' });
    expect(by.get(5005)?.pids).toEqual([]); // its holder is not in the fixture
    expect(by.get(6001)).toMatchObject({ netns: CTR_NS, pids: [200], remoteAddr: '172.17.0.1', remotePort: 4444 });
    expect(by.get(5004)).toMatchObject({ proto: 'udp', localPort: 53 });
    expect(socks.byInode(6001)?.pids).toEqual([200]);
    expect([...socks.list()]).toHaveLength(8);
    expect(deps.reported).toEqual([]);
  });

  it('reports nothing on a steady scan', () => {
    scan();
    expect(scan()).toMatchObject({ added: [], removed: [], changed: [] });
  });

  it('finds the owner of a socket a known process opened since its fd table was read', () => {
    scan();
    symlinkSync('socket:[5008]', join(t.proc, '101/fd/7'));
    appendFileSync(join(t.proc, '1/net/tcp'), row(5008));
    bumpActiveOpens(1);
    const s = scan();
    expect(s.added.map((x) => [x.inode, x.pids])).toEqual([[5008, [101]]]);
  });

  it('searches the process that opened the last new socket first', () => {
    scan();
    // pid 100 (older than 101) opens a socket: 101, younger, is read first and does not hold it.
    symlinkSync('socket:[5008]', join(t.proc, '100/fd/7'));
    appendFileSync(join(t.proc, '1/net/tcp'), row(5008));
    bumpActiveOpens(1);
    expect(scan().added.map((x) => [x.inode, x.pids])).toEqual([[5008, [100]]]);
    // Now both hold the next one; the search stops at the first holder it reads: 100, the last opener.
    symlinkSync('socket:[5009]', join(t.proc, '100/fd/8'));
    symlinkSync('socket:[5009]', join(t.proc, '101/fd/8'));
    appendFileSync(join(t.proc, '1/net/tcp'), row(5009));
    bumpActiveOpens(1);
    expect(scan().added.map((x) => [x.inode, x.pids])).toEqual([[5009, [100]]]);
  });

  it('picks up the fd table of a new process and drops exited ones', () => {
    cpSync(join(t.proc, '200/net'), join(t.proc, '201/net'), { recursive: true });
    scan();
    cpSync(join(t.proc, '201'), join(t.proc, '202'), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(t.proc, '202/stat'), readFileSync(join(t.proc, '201/stat'), 'utf8').replace(/^201 /, '202 '));
    symlinkSync('socket:[6001]', join(t.proc, '202/fd/5'));
    let s = scan();
    expect(s.changed.map((x) => [x.inode, x.pids])).toEqual([[6001, [200, 202]]]);
    rmSync(join(t.proc, '200'), { recursive: true });
    s = scan(); // pid 200 gone: its netns is still read through 201
    expect(s.changed.map((x) => [x.inode, x.pids])).toEqual([[6001, [202]]]);
    expect(s.removed).toEqual([]);
  });

  it('keeps the sockets of a netns none of whose members could be read this scan', () => {
    scan();
    rmSync(join(t.proc, '200/net'), { recursive: true });
    const s = scan();
    expect(s.removed).toEqual([]);
    expect(socks.byInode(6001)?.pids).toEqual([200]);
  });

  it('reports closed sockets as removed', () => {
    scan();
    const tcp = `${readFileSync(join(t.proc, '200/net/tcp'), 'utf8').split('\n')[0]!}\n`;
    writeFileSync(join(t.proc, '200/net/tcp'), tcp);
    bumpActiveOpens(200);
    const s = scan();
    expect(s.removed.map((x) => x.inode)).toEqual([6001]);
    expect(socks.byInode(6001)).toBeUndefined();
  });

  it('skips the TCP files while the counters stand still, re-reading each netns once per tcpFullReadEvery scans', () => {
    socks = createSocketTable(deps, { procRoot: t.proc, tcpFullReadEvery: 3 });
    scan(); // first read
    appendFileSync(join(t.proc, '1/net/tcp'), row(5009));
    let seenAt = 0;
    for (let i = 1; i <= 3 && seenAt === 0; i++) if (scan().added.some((x) => x.inode === 5009)) seenAt = i;
    // Seen on the netns's forced turn, at most 3 scans later.
    expect(seenAt).toBeGreaterThan(0);
    appendFileSync(join(t.proc, '1/net/tcp'), row(5011));
    const again: number[] = [];
    for (let i = 1; i <= 4; i++) if (scan().added.some((x) => x.inode === 5011)) again.push(i);
    expect(again).toEqual([3]); // turns come every 3 scans
  });

  it('staggers the forced re-reads of different namespaces over scans', () => {
    socks = createSocketTable(deps, { procRoot: t.proc, tcpFullReadEvery: 3 });
    scan();
    appendFileSync(join(t.proc, '1/net/tcp'), row(5009));
    appendFileSync(join(t.proc, '200/net/tcp'), row(6009, '020011AC:0050', '010011AC:C000'));
    const at = new Map<number, number>();
    for (let i = 1; i <= 3; i++) for (const x of scan().added) at.set(x.inode, i);
    expect(HOST_NS % 3).not.toBe(CTR_NS % 3); // so their turns differ
    expect(at.has(5009) && at.has(6009)).toBe(true);
    expect(at.get(5009)).not.toBe(at.get(6009));
  });

  it('does not read net/tcp{,6} or net/udp{,6} of a netns whose sockstat says inuse 0, not even on the first scan', () => {
    // The files hold rows (that a real kernel would not show then): a read would report them.
    writeFileSync(join(t.proc, '200/net/sockstat'), 'sockets: used 3\nTCP: inuse 0 orphan 0 tw 4 alloc 1 mem 0\nUDP: inuse 0 mem 0\n');
    writeFileSync(join(t.proc, '200/net/sockstat6'), 'TCP6: inuse 0\nUDP6: inuse 0\n');
    appendFileSync(join(t.proc, '200/net/udp'), row(6010, '00000000:0035', '00000000:0000', '07'));
    let s = scan();
    expect(s.added.filter((x) => x.netns === CTR_NS)).toEqual([]);
    // The kernel counts a new connection: the table is read at once.
    writeFileSync(join(t.proc, '200/net/sockstat'), 'sockets: used 3\nTCP: inuse 1 orphan 0 tw 4 alloc 1 mem 0\nUDP: inuse 0 mem 0\n');
    s = scan();
    expect(s.added.map((x) => x.inode)).toEqual([6001]);
    expect(deps.reported).toEqual([]);
  });

  it('reads only tcp6 when only TCP6 sockets exist', () => {
    writeFileSync(join(t.proc, '1/net/sockstat'), 'sockets: used 3\nTCP: inuse 0 orphan 0 tw 0 alloc 0 mem 0\nUDP: inuse 1 mem 0\n');
    const s = scan();
    const host = s.added.filter((x) => x.netns === HOST_NS).map((x) => x.proto);
    expect(host).not.toContain('tcp');
    expect(host).toContain('tcp6');
  });

  it('reads the TCP files every scan with tcpFullReadEvery 1', () => {
    socks = createSocketTable(deps, { procRoot: t.proc, tcpFullReadEvery: 1 });
    scan();
    appendFileSync(join(t.proc, '1/net/tcp'), row(5009));
    expect(scan().added.map((x) => x.inode)).toEqual([5009]);
  });

  it("does not take a new netns that reuses a dead one's inode (and counters) for the old one", () => {
    // The kernel hands a freed namespace inode number to the next namespace;
    // a fresh pod making the same connection as the last one even shows the
    // same TCP counters. Every member of the old netns is gone, a new
    // process holds the new one: the cached rows of the old one must go.
    scan();
    const tcp = readFileSync(join(t.proc, '200/net/tcp'), 'utf8');
    for (const pid of [200, 201]) rmSync(join(t.proc, String(pid)), { recursive: true });
    cpSync(join(t.proc, '1/ns'), join(t.proc, '250/ns'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(t.proc, '250/fd'));
    cpSync(join(FIXTURE_PROC, '200/net'), join(t.proc, '250/net'), { recursive: true });
    for (const f of ['cgroup', 'cmdline', 'status', 'mountinfo']) cpSync(join(FIXTURE_PROC, `200/${f}`), join(t.proc, `250/${f}`));
    symlinkSync('/tmp/sh', join(t.proc, '250/exe'));
    rmSync(join(t.proc, '250/ns/net'));
    symlinkSync(`net:[${CTR_NS}]`, join(t.proc, '250/ns/net'));
    writeFileSync(join(t.proc, '250/stat'), readFileSync(join(FIXTURE_PROC, '200/stat'), 'utf8').replace(/^200 /, '250 ').replace(' 7000 ', ' 9000 '));
    writeFileSync(join(t.proc, '250/net/tcp'), tcp.replace(/ 6001 /, ' 6020 '));
    for (const fd of ['0', '1', '2']) symlinkSync('socket:[6020]', join(t.proc, `250/fd/${fd}`));
    const s = scan();
    expect(s.added.map((x) => [x.inode, x.netns, x.pids])).toEqual([[6020, CTR_NS, [250]]]);
    expect(s.removed.map((x) => x.inode)).toEqual([6001]);
  });

  it('reads a netns through another member when the first one left it', () => {
    scan();
    cpSync(join(t.proc, '1/net'), join(t.proc, '100/net'), { recursive: true });
    rmSync(join(t.proc, '1/ns/net'));
    symlinkSync('net:[4026539999]', join(t.proc, '1/ns/net')); // pid 1 moved netns since it was read
    appendFileSync(join(t.proc, '100/net/udp'), row(5010, '0100007F:0036', '00000000:0000', '07'));
    const s = scan();
    expect(s.removed).toEqual([]);
    expect(s.added.map((x) => [x.inode, x.netns])).toEqual([[5010, HOST_NS]]);
  });
});
