import { spawn } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPasswdCache, createProcessReader } from '../../../../collectors/procfs/index.js';
import { FIXTURE, FIXTURE_PROC, fixtureCopy, testDeps } from './helpers.js';

const cfg = { procRoot: FIXTURE_PROC, passwdPath: join(FIXTURE, 'etc/passwd'), maxCmdlineBytes: 64 };

describe('createProcessReader on the fixture tree', () => {
  const deps = testDeps();
  const reader = createProcessReader(cfg, deps.errors);

  it('reads a host process completely', () => {
    const p = reader.read(100)!;
    expect(p).toMatchObject({
      pid: 100,
      ppid: 1,
      comm: 'bash',
      exe: '/usr/bin/bash',
      args: ['-bash'],
      argsTruncated: false,
      uid: 1000,
      gid: 1000,
      user: 'alice',
      tty: 34819,
      vpid: 100,
      netns: 4026531840,
      startTicks: 2000,
      startTimeMs: 1700000000000 + 20000,
    });
    expect(p.stdio).toEqual([
      { kind: 'tty', path: '/dev/pts/3' },
      { kind: 'tty', path: '/dev/pts/3' },
      { kind: 'tty', path: '/dev/pts/3' },
    ]);
    expect(p.containerId).toBeUndefined();
    expect(p.exeUpperLayer).toBeUndefined();
    expect(p.partial).toBeUndefined();
  });

  it('reads a containerized reverse shell: container, vpid, socket stdio, upper-layer exe', () => {
    const p = reader.read(200)!;
    expect(p).toMatchObject({
      containerId: 'a'.repeat(64),
      vpid: 1,
      netns: 4026532000,
      exe: '/tmp/sh',
      exeUpperLayer: true,
      user: 'root',
    });
    expect(p.stdio).toEqual([
      { kind: 'socket', inode: 6001 },
      { kind: 'socket', inode: 6001 },
      { kind: 'socket', inode: 6001 },
    ]);
  });

  it('says false for an exe that comes from the image (lower layer)', () => {
    expect(reader.read(201)).toMatchObject({ exe: '/bin/sleep', exeUpperLayer: false, vpid: 2, ppid: 200 });
  });

  it('survives hostile comm and non-UTF-8 argv', () => {
    const p = reader.read(300)!;
    expect(p.comm).toBe('a (b)\n) c');
    expect(p.args).toEqual(['/opt/x', 'caf\ufffd', '\ufffd\ufffd']);
    expect(p.exe).toBe('/opt/x (deleted)');
    expect(p.partial).toBeUndefined();
  });

  it('cuts a long cmdline at maxCmdlineBytes and flags it', () => {
    const p = reader.read(500)!;
    expect(p.argsTruncated).toBe(true);
    expect(p.args.join('\0').length).toBe(64);
    expect(p.args[0]).toBe('java');
  });

  it('reads kernel threads and zombies without calling them partial', () => {
    expect(reader.read(2)).toMatchObject({ comm: 'kthreadd', exe: '', args: [], stdio: [{ kind: 'none' }, { kind: 'none' }, { kind: 'none' }] });
    expect(reader.read(2)!.partial).toBeUndefined();
    expect(reader.read(600)!.partial).toBeUndefined();
  });

  it('returns partial info for a pid that vanished after its stat was read', () => {
    const p = reader.read(400)!;
    expect(p).toMatchObject({ pid: 400, comm: 'gone', partial: true, exe: '', args: [] });
  });

  it('returns undefined for a pid that does not exist', () => {
    expect(reader.read(99999)).toBeUndefined();
  });

  it('does not report churn as an error', () => {
    expect(deps.reported).toEqual([]);
  });
});

describe('details only some rules need', () => {
  it('reads a container process group and capabilities from status, a host process group from stat', () => {
    const reader = createProcessReader(cfg);
    expect(reader.read(200)).toMatchObject({ vpid: 1, vpgid: 1 });
    expect(reader.read(100)).toMatchObject({ vpid: 100, vpgid: 100 });
    const t = fixtureCopy();
    try {
      writeFileSync(join(t.proc, '200/status'), `${readFileSync(join(t.proc, '200/status'), 'utf8')}CapPrm:\t00000000a80425fb\nCapEff:\t0000000000200000\n`);
      const p = createProcessReader({ ...cfg, procRoot: t.proc, passwdPath: t.passwd }).read(200)!;
      expect([p.capEffective, p.capPermitted]).toEqual([0x200000, 0xa80425fb]);
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });

  it('on the real /proc: status, loginuid and environ of a host process only while asked', () => {
    const base = { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 65536 };
    const none = createProcessReader(base).read(process.pid)!;
    expect(none.capEffective).toBeUndefined();
    expect(none.loginuid).toBeUndefined();
    expect(none.env).toBeUndefined();
    const status = readFileSync('/proc/self/status', 'utf8');
    const all = createProcessReader({ ...base, needs: () => ({ hostStatus: true, loginuid: true, env: true }) }).read(process.pid)!;
    expect(all.capEffective).toBe(Number.parseInt(/^CapEff:\s*(\w+)/m.exec(status)![1]!, 16));
    expect(all.capPermitted).toBe(Number.parseInt(/^CapPrm:\s*(\w+)/m.exec(status)![1]!, 16));
    expect(all.vpgid).toBe(Number(/^NSpgid:\s*(\d+)/m.exec(status)![1]));
    expect(all.loginuid).toBe(Number(readFileSync('/proc/self/loginuid', 'utf8')));
    expect(all.env).toContain(`PATH=${process.env.PATH}`);
    expect(all.partial).toBeUndefined();
  });
});

describe('a pid that vanishes between two reads', () => {
  it('is read fully, then partially, then not at all', () => {
    const t = fixtureCopy();
    try {
      const reader = createProcessReader({ ...cfg, procRoot: t.proc, passwdPath: t.passwd });
      expect(reader.read(101)?.partial).toBeUndefined();
      unlinkSync(join(t.proc, '101/cmdline'));
      rmSync(join(t.proc, '101/status'));
      const half = reader.read(101)!;
      expect(half.partial).toBe(true);
      expect(half.comm).toBe('curl');
      rmSync(join(t.proc, '101'), { recursive: true });
      expect(reader.read(101)).toBeUndefined();
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });
});

describe('createPasswdCache', () => {
  it('re-reads the file when its mtime changes, and prints unknown uids as numbers', () => {
    const t = fixtureCopy();
    try {
      let now = 0;
      const cache = createPasswdCache(t.passwd, { now: () => now, checkIntervalMs: 1000 });
      expect(cache.lookup(1000)).toBe('alice');
      expect(cache.lookup(4242)).toBe('4242');
      writeFileSync(t.passwd, 'root:x:0:0::/:/bin/sh\nbob:x:4242:4242::/:/bin/sh\n');
      utimesSync(t.passwd, new Date(), new Date(Date.now() + 5000));
      expect(cache.lookup(4242)).toBe('4242'); // not re-checked within the interval
      now = 2000;
      expect(cache.lookup(4242)).toBe('bob');
      expect(cache.lookup(1000)).toBe('1000');
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });
  it('gives numeric names when the file is missing', () => {
    expect(createPasswdCache('/nonexistent/passwd').lookup(0)).toBe('0');
  });
});

describe('createProcessReader on the real /proc', () => {
  const deps = testDeps();
  const reader = createProcessReader({ procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 4096 }, deps.errors);
  const nspid = (pid: number) => {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('NSpid:'));
    return Number(line?.trim().split(/\s+/).pop());
  };

  it('takes the effective uid/gid of a process from the owner of /proc/<pid> (as status says)', () => {
    const p = reader.read(process.pid)!;
    expect(p).toMatchObject({ pid: process.pid, uid: process.geteuid!(), gid: process.getegid!() });
    expect(p.vpid).toBe(p.containerId === undefined ? process.pid : nspid(process.pid));
    expect(deps.reported).toEqual([]);
  });

  it.skipIf(process.geteuid?.() !== 0)('sees a process running under another uid', async () => {
    const child = spawn('sleep', ['30'], { uid: 65534, gid: 65534, stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      // Until exec, the child is a copy of this process: wait for the new comm.
      let p = reader.read(child.pid!);
      for (let i = 0; i < 200 && p?.comm !== 'sleep'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        p = reader.read(child.pid!);
      }
      expect(p).toMatchObject({ comm: 'sleep', uid: 65534, gid: 65534 });
    } finally {
      child.kill();
    }
  });
});

describe('createProcessReader on kernel threads', () => {
  it('does not read the fds of a kernel thread (it has none)', () => {
    const t = fixtureCopy();
    try {
      // Were the reader to readlink fd/0-2 of kthreadd, it would find these.
      for (const fd of ['0', '1', '2']) symlinkSync('socket:[777]', join(t.proc, `2/fd/${fd}`));
      const reader = createProcessReader({ procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 64 });
      const p = reader.read(2)!;
      expect(p.comm).toBe('kthreadd');
      expect(p.stdio).toEqual([{ kind: 'none' }, { kind: 'none' }, { kind: 'none' }]);
      expect(p.partial).toBeUndefined();
    } finally {
      rmSync(t.root, { recursive: true, force: true });
    }
  });
});
