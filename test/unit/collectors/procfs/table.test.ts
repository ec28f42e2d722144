import { cpSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcessTable, type ProcessTable } from '../../../../collectors/procfs/index.js';
import { fixtureCopy, testDeps } from './helpers.js';

let t: ReturnType<typeof fixtureCopy>;
let table: ProcessTable;
let deps: ReturnType<typeof testDeps>;

function statLine(pid: number, comm: string, ppid: number, start: number): string {
  return `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 100\n`;
}

beforeEach(() => {
  t = fixtureCopy();
  deps = testDeps();
  table = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096 });
});
afterEach(() => rmSync(t.root, { recursive: true, force: true }));

/** A table with a fake clock; statVerifyMs 0 reads the stat of every known pid on every scan. */
let clock = 0;
const withPeriod = (statVerifyMs: number | (() => number) = 0) => createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096, statVerifyMs, now: () => clock });
const everyScan = () => withPeriod(0);

const pids = (xs: readonly { pid: number }[]) => xs.map((p) => p.pid).sort((a, b) => a - b);

describe('createProcessTable', () => {
  it('reports every process as added on the first scan, nothing after', () => {
    const first = table.scan();
    expect(pids(first.added)).toEqual([1, 2, 100, 101, 200, 201, 300, 400, 500, 600]);
    expect(first.removed).toEqual([]);
    const second = table.scan();
    expect(second).toMatchObject({ added: [], removed: [], changed: [] });
    expect(table.get(100)?.comm).toBe('bash');
    expect([...table.list()].length).toBe(10);
  });

  it('does not re-read cmdline, status or exe of a known process', () => {
    table.scan();
    // If the scan re-read these, pid 101 would change or turn partial.
    writeFileSync(join(t.proc, '101/cmdline'), 'other\0');
    unlinkSync(join(t.proc, '101/status'));
    unlinkSync(join(t.proc, '101/exe'));
    const s = table.scan();
    expect(s.added).toEqual([]);
    expect(table.get(101)).toMatchObject({ args: ['curl', 'http://127.0.0.1:22/'], exe: '/usr/bin/curl', uid: 1000 });
  });

  it('reports new and exited pids', () => {
    table.scan();
    rmSync(join(t.proc, '101'), { recursive: true });
    renameSync(join(t.proc, '500'), join(t.proc, '501'));
    writeFileSync(join(t.proc, '501/stat'), statLine(501, 'java', 1, 9000));
    const s = table.scan();
    expect(pids(s.removed)).toEqual([101, 500]);
    expect(pids(s.added)).toEqual([501]);
    expect(table.get(101)).toBeUndefined();
  });

  it('treats a reused pid (same pid, new start time) as exit + new process', () => {
    table = everyScan();
    table.scan();
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'wget', 100, 99999));
    writeFileSync(join(t.proc, '101/cmdline'), 'wget\0x\0');
    const s = table.scan();
    expect(s.removed.map((p) => [p.pid, p.comm])).toEqual([[101, 'curl']]);
    expect(s.added.map((p) => [p.pid, p.comm, p.args])).toEqual([[101, 'wget', ['wget', 'x']]]);
  });

  it('reports an exec in place (same identity, new comm and argv) as added', () => {
    table = everyScan();
    table.scan();
    writeFileSync(join(t.proc, '201/stat'), statLine(201, 'nc', 200, 7100));
    writeFileSync(join(t.proc, '201/cmdline'), 'nc\x0010.0.0.1\x004444\0');
    const s = table.scan();
    expect(s.removed).toEqual([]);
    expect(s.added.map((p) => [p.pid, p.comm, p.args])).toEqual([[201, 'nc', ['nc', '10.0.0.1', '4444']]]);
  });

  it('updates comm silently on a rename (prctl) and ppid on reparenting', () => {
    table = everyScan();
    table.scan();
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'curl-worker', 1, 2100));
    const s = table.scan();
    expect(s).toMatchObject({ added: [], removed: [], changed: [] });
    expect(table.get(101)).toMatchObject({ comm: 'curl-worker', ppid: 1 });
  });

  it('re-checks the stdio of shells and reports the change', () => {
    table.scan();
    for (const fd of ['0', '1', '2']) {
      unlinkSync(join(t.proc, `100/fd/${fd}`));
      symlinkSync('socket:[5002]', join(t.proc, `100/fd/${fd}`));
    }
    const s = table.scan();
    expect(s.changed.map((p) => p.pid)).toEqual([100]);
    expect(s.changed[0]!.stdio[0]).toEqual({ kind: 'socket', inode: 5002 });
    expect(table.scan().changed).toEqual([]);
  });

  it('does not re-check the stdio of an old non-shell process', () => {
    table.scan();
    unlinkSync(join(t.proc, '101/fd/1'));
    symlinkSync('socket:[5002]', join(t.proc, '101/fd/1'));
    expect(table.scan().changed).toEqual([]);
  });

  it('re-checks the stdio of a young process once a second after its first seconds', () => {
    const young = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096, stdioYoungMs: 1e15, now: () => clock });
    young.scan();
    unlinkSync(join(t.proc, '101/fd/1'));
    symlinkSync('socket:[5002]', join(t.proc, '101/fd/1'));
    clock += 100;
    expect(young.scan().changed).toEqual([]); // checked 100 ms ago
    clock += 900;
    expect(young.scan().changed.map((p) => p.pid)).toEqual([101]);
  });

  it('re-checks the stdio of a process in its first 2 s on every scan', () => {
    // pid 101 started just now (fixture btime 1700000000, 100 ticks a second).
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'curl', 100, Math.floor((Date.now() - 1_700_000_000_000) / 10)));
    table = withPeriod(1e12);
    table.scan();
    unlinkSync(join(t.proc, '101/fd/1'));
    symlinkSync('socket:[5002]', join(t.proc, '101/fd/1'));
    clock += 10;
    expect(table.scan().changed.map((p) => p.pid)).toEqual([101]);
  });

  it('does not report a process the exec watcher upserted', () => {
    table.scan();
    mkProc(700);
    const fromWatcher = { ...table.get(101)!, pid: 700, startTicks: 12345, comm: 'curl' };
    table.upsert(fromWatcher);
    const s = table.scan();
    expect(s.added).toEqual([]);
    expect(table.get(700)).toBe(fromWatcher);
  });

  it('verifies an old plain process once per statVerifyMs: one 1 s scan in 4', () => {
    table = withPeriod(4000);
    table.scan();
    const verifiedAt: number[] = [];
    for (let i = 1; i <= 8; i++) {
      clock += 1000;
      // A rename (same exe and argv) is picked up only when the stat is read.
      writeFileSync(join(t.proc, '101/stat'), statLine(101, `curl-${i}`, 100, 2100));
      table.scan();
      if (table.get(101)?.comm === `curl-${i}`) verifiedAt.push(i);
    }
    expect(verifiedAt).toHaveLength(2);
    expect(verifiedAt[1]! - verifiedAt[0]!).toBe(4);
  });

  it('spreads the turns of processes first seen together over the period', () => {
    table = withPeriod(4000);
    table.scan();
    const plain = [...table.list()].filter((p) => !['bash', 'sh', 'python3', 'nc'].includes(p.comm) && p.exe !== '');
    expect(plain.length).toBeGreaterThan(3);
    // Make every plain process look renamed; count how many get verified at each 1 s scan.
    const perScan: number[] = [];
    for (let i = 1; i <= 4; i++) {
      clock += 1000;
      for (const p of plain) writeFileSync(join(t.proc, `${p.pid}/stat`), statLine(p.pid, `r${i}`, p.ppid, p.startTicks));
      table.scan();
      perScan.push(plain.filter((p) => table.get(p.pid)?.comm === `r${i}`).length);
    }
    expect(perScan.reduce((a, b) => a + b, 0)).toBe(plain.length); // each exactly once in the period
    expect(Math.max(...perScan)).toBeLessThan(plain.length); // not all on one scan
  });

  it('spreads the turns again when the period changes (poll period at start, netlink period once the watcher runs)', () => {
    let period = 4000;
    table = withPeriod(() => period);
    table.scan();
    period = 40_000;
    const plain = [...table.list()].filter((p) => !['bash', 'sh', 'python3', 'nc'].includes(p.comm) && p.exe !== '');
    const firstTurn = new Map<number, number>();
    for (let i = 1; i <= 41; i++) {
      clock += 1000;
      for (const p of plain) if (!firstTurn.has(p.pid)) writeFileSync(join(t.proc, `${p.pid}/stat`), statLine(p.pid, `r${i}`, p.ppid, p.startTicks));
      table.scan();
      for (const p of plain) if (!firstTurn.has(p.pid) && table.get(p.pid)?.comm === `r${i}`) firstTurn.set(p.pid, i);
    }
    const turns = [...firstTurn.values()];
    expect(turns).toHaveLength(plain.length);
    // Spread over the 40 s period, not bunched in the 4 s the first scan's period gave them.
    expect(Math.max(...turns) - Math.min(...turns)).toBeGreaterThan(10);
  });

  it('does not verify more plain processes when scans come more often', () => {
    table = withPeriod(4000);
    table.scan();
    let verified = 0;
    for (let i = 1; i <= 20; i++) {
      clock += 50; // 20 scans in 1 s, e.g. asked for by exec events
      writeFileSync(join(t.proc, '101/stat'), statLine(101, `curl-${i}`, 100, 2100));
      table.scan();
      if (table.get(101)?.comm === `curl-${i}`) verified++;
    }
    expect(verified).toBeLessThanOrEqual(1);
  });

  it('sees an exec in place of an old plain process within statVerifyMs', () => {
    table = withPeriod(4000);
    table.scan();
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'sh', 100, 2100));
    writeFileSync(join(t.proc, '101/cmdline'), 'sh\0-i\0');
    let seen = 0;
    for (let i = 1; i <= 4 && seen === 0; i++) {
      clock += 1000;
      if (table.scan().added.some((p) => p.pid === 101)) seen = i;
    }
    expect(seen).toBeGreaterThan(0);
    expect(table.get(101)?.args).toEqual(['sh', '-i']);
  });

  it('verifies shells every scan whatever statVerifyMs says', () => {
    table = withPeriod(1e12);
    table.scan();
    for (let i = 1; i <= 3; i++) {
      writeFileSync(join(t.proc, '100/stat'), statLine(100, 'bash', i, 2000));
      table.scan();
      expect(table.get(100)?.ppid).toBe(i);
    }
  });

  it('verifies young processes with their stdio, whatever statVerifyMs says', () => {
    table = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096, statVerifyMs: 1e12, now: () => clock, stdioYoungMs: 1e15 });
    table.scan();
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'curl', 100, 99999));
    clock += 1000;
    expect(table.scan().removed.map((p) => p.pid)).toEqual([101]); // a reused pid
  });

  it('asks a statVerifyMs function on every scan', () => {
    let period = 1e12;
    table = withPeriod(() => period);
    table.scan();
    writeFileSync(join(t.proc, '101/stat'), statLine(101, 'curl', 100, 99999));
    clock += 1000;
    table.scan();
    expect(table.get(101)?.startTicks).not.toBe(99999);
    period = 0;
    expect(table.scan().removed.map((p) => p.pid)).toEqual([101]);
  });

  it('sees exits at once whatever the turn', () => {
    table = withPeriod(1e12);
    table.scan();
    rmSync(join(t.proc, '101'), { recursive: true });
    expect(table.scan().removed.map((p) => p.pid)).toEqual([101]);
  });

  it('reports a missing /proc as an error, not as churn', () => {
    const broken = createProcessTable(deps, { procRoot: join(t.root, 'nope'), passwdPath: t.passwd, maxCmdlineBytes: 4096 });
    expect(broken.scan().added).toEqual([]);
    expect(deps.reported.map((r) => [r.component, r.stage])).toEqual([['procfs', 'list']]);
  });
});

function mkProc(pid: number): void {
  // A copy of pid 101 under a new pid with the start time the upserted info claims.
  cpSync(join(t.proc, '101'), join(t.proc, String(pid)), { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(t.proc, `${pid}/stat`), statLine(pid, 'curl', 100, 12345));
}
