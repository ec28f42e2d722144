import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { ProcessInfo } from '../../collectors/model.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessTable } from '../../collectors/procfs/index.js';
import { TEST_IMAGE, docker, integrationUnavailable } from './docker-env.js';
import { testDeps } from '../helpers/deps.js';

const skip = integrationUnavailable();
const deps = testDeps;
const currentComm = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined; // gone
  }
};
const cfg = { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 65536 };

describe.skipIf(skip)('process table on the real /proc', () => {
  const name = `vigilpf-${process.pid}-${Date.now()}`;
  let containerId = '';
  let hostPid = 0;

  beforeAll(() => {
    containerId = docker('run', '-d', '--name', name, TEST_IMAGE, 'sleep', '600');
    hostPid = Number(docker('inspect', '-f', '{{.State.Pid}}', name));
  });
  afterAll(() => {
    try {
      docker('rm', '-f', name);
    } catch {
      /* already gone */
    }
  });

  it('agrees with ps on pid, ppid, user and comm', () => {
    const table = createProcessTable(deps(), cfg);
    table.scan();
    const before = new Map([...table.list()].map((p) => [p.pid, p]));
    const out = execFileSync('ps', ['-eo', 'pid=,ppid=,user:64=,comm='], { encoding: 'utf8' });
    table.scan();
    const ps = new Map<number, { ppid: number; user: string; comm: string }>();
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s(.*)$/.exec(line);
      if (m) ps.set(Number(m[1]), { ppid: Number(m[2]), user: m[3]!, comm: m[4]!.trim() });
    }
    // Processes alive before and after ps (same identity) must be in its output.
    let compared = 0;
    for (const [pid, b] of before) {
      const a = table.get(pid);
      if (!a || a.startTicks !== b.startTicks || a.comm !== b.comm || a.ppid !== b.ppid) continue;
      // Kernel workers rename themselves after their current workqueue
      // ("kworker/u8:2-writeback" -> "-ipv6_addrconf") and the incremental
      // scan does not re-read comm; skip any process whose comm moved.
      if (currentComm(pid) !== a.comm) continue;
      const row = ps.get(pid);
      expect(row, `pid ${pid} (${a.comm}) missing from ps`).toBeDefined();
      expect({ pid, ppid: a.ppid, comm: a.comm.trim() }).toEqual({ pid, ppid: row!.ppid, comm: row!.comm });
      // ps prints the uid when the name is unknown or does not fit.
      expect([a.user, String(a.uid)]).toContain(row!.user);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    expect(before.has(process.pid)).toBe(true);
  });

  it('sees a container process with its container id, vpid and own netns', () => {
    const table = createProcessTable(deps(), cfg);
    table.scan();
    const p = table.get(hostPid);
    expect(p).toBeDefined();
    expect(p).toMatchObject({ comm: 'sleep', args: ['sleep', '600'], vpid: 1, containerId });
    expect(p!.netns).not.toBe(table.get(process.pid)!.netns);
    expect(`net:[${p!.netns}]`).toBe(readlinkSync(`/proc/${hostPid}/ns/net`));
    // Own process: stdio, identity and user as the OS reports them.
    const self = table.get(process.pid)!;
    expect(self.containerId).toBeUndefined();
    expect(self.uid).toBe(process.getuid!());
    expect(self.exe).toBe(readlinkSync('/proc/self/exe'));
  });

  it('reports a process started and killed between scans', async () => {
    const table = createProcessTable(deps(), cfg);
    table.scan();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    // The exec may land just after spawn resolves: look until comm is sleep.
    let seen: ProcessInfo | undefined;
    for (let i = 0; i < 50 && !seen; i++) {
      const s = table.scan();
      seen = [...s.added].find((p) => p.pid === pid && p.comm === 'sleep');
      if (!seen) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toMatchObject({ comm: 'sleep', args: ['sleep', '30'], ppid: process.pid });
    child.kill('SIGKILL');
    await exited; // reaped by node: gone from /proc
    expect(table.scan().removed.map((p) => p.pid)).toContain(pid);
  });
});
