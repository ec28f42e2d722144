import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuditSource, type AuditSyscall, createAuditSource } from '../../collectors/audit/index.js';
import { metricValue, testDeps } from '../helpers/deps.js';
import { type AuditState, auditState, auditUnavailable, restoreAudit, startAuditd } from './harness/audit.js';

/**
 * The audit source against the real kernel (run one file at a time: the
 * kernel's audit state is global). Every test leaves it as found: enabled,
 * pid, backlog limit and rules. Developers: wrap the run in
 * `flock /tmp/vigil-audit-dev.lock`.
 */
const unavailable = auditUnavailable();
const WAIT = { timeout: 15_000, interval: 20 };
const AUDITD_KEY = 'it-admin-rule';

let dir: string;
let server: Server;
let port: number;
let before: AuditState;

/** Runs a command to its end; returns its pid. */
async function run(cmd: string, args: string[]): Promise<number> {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`spawn ${cmd} failed`);
  await once(child, 'exit');
  return child.pid;
}

function started(mode: 'on' | 'auto' = 'on'): { src: AuditSource; events: AuditSyscall[]; deps: ReturnType<typeof testDeps> } {
  const deps = testDeps();
  const src = createAuditSource(deps, { mode, backlogLimit: 8192 });
  const events: AuditSyscall[] = [];
  src.onEvent((e) => events.push(e));
  return { src, events, deps };
}

/** A real process opens a file and connects to a listener for a few ms; both must come back as syscalls. */
async function openAndConnect(src: AuditSource, events: AuditSyscall[]): Promise<void> {
  const file = join(dir, `secret-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, 'x');
  const catPid = await run('cat', [file]);
  const ncPid = await run('ncat', ['--send-only', '127.0.0.1', String(port)]);
  await vi.waitFor(() => {
    expect(events.find((e) => e.pid === catPid && e.syscall === 'openat' && e.paths.some((p) => p.name === file))).toBeDefined();
    expect(events.find((e) => e.pid === ncPid && e.syscall === 'connect' && e.sockaddr?.family === 'inet' && e.sockaddr.port === port)).toBeDefined();
  }, WAIT);
  const open = events.find((e) => e.pid === catPid && e.paths.some((p) => p.name === file))!;
  expect(open).toMatchObject({ comm: 'cat', exe: '/usr/bin/cat', key: 'vigil', success: true, ppid: process.pid });
  const conn = events.find((e) => e.pid === ncPid && e.syscall === 'connect' && e.sockaddr?.family === 'inet')!;
  expect(conn.sockaddr).toEqual({ family: 'inet', addr: '127.0.0.1', port });
  expect(conn.comm).toBe('ncat');
  // Non-blocking connect: 0 or EINPROGRESS, never a refusal (the listener is up).
  expect([0, -115]).toContain(conn.exit);
  expect(src.status().auditedSyscalls).toEqual(['connect', 'openat']);
}

describe.skipIf(unavailable)('kernel audit source (real kernel)', () => {
  beforeAll(async () => {
    before = auditState();
    dir = mkdtempSync(join(tmpdir(), 'vigil-audit-it-'));
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
    if (before) {
      restoreAudit(before, [AUDITD_KEY, 'vigil']);
      const after = auditState();
      expect(after).toEqual(before);
    }
  });

  it('unicast: sees a real open and a real connect, and leaves the kernel as it found it', async () => {
    const { src, events, deps } = started();
    src.setPlan({ syscalls: ['openat', 'connect'] });
    await src.start(new AbortController().signal);
    try {
      expect(src.status().mode).toBe('unicast');
      const st = auditState();
      expect(st.pid).toBe(process.pid);
      expect(st.enabled).toBe(1);
      expect(st.rules).toEqual([`-a always,exit -F arch=b64 -S connect,openat -F pid!=${process.pid} -F key=vigil`]);
      await openAndConnect(src, events);
      // Its own syscalls are never audited.
      expect(events.some((e) => e.pid === process.pid)).toBe(false);
      expect(await metricValue(deps.registry, 'vigil_audit_source_info', { mode: 'unicast' })).toBe(1);
    } finally {
      await src.stop();
    }
    expect(auditState()).toEqual(before);
    expect(deps.reported).toEqual([]);
  });

  it("a SIGKILLed agent's rule is removed at the next start, and only that rule", async () => {
    execFileSync('auditctl', ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'unlinkat', '-k', AUDITD_KEY]);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'harness', 'audit-agent.ts'), 'ptrace,setns'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await vi.waitFor(() => expect(out).toContain('ready unicast'), WAIT);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(auditState().rules.filter((r) => r.includes('key=vigil'))).toEqual([`-a always,exit -F arch=b64 -S ptrace,setns -F pid!=${child.pid} -F key=vigil`]);

    const { src, deps } = started();
    src.setPlan({ syscalls: ['connect'] });
    await src.start(new AbortController().signal);
    try {
      // The dead agent's pid may still be registered until the kernel next tests it: vigil takes over.
      expect(src.status().mode).toBe('unicast');
      expect(await metricValue(deps.registry, 'vigil_audit_stale_rules_removed_total')).toBe(1);
      expect(auditState().rules).toEqual([`-a always,exit -F arch=b64 -S unlinkat -F key=${AUDITD_KEY}`, `-a always,exit -F arch=b64 -S connect -F pid!=${process.pid} -F key=vigil`]);
    } finally {
      await src.stop();
    }
    // The crashed agent had turned auditing on and raised the backlog limit: this one put both back.
    expect(auditState()).toEqual({ ...before, rules: [`-a always,exit -F arch=b64 -S unlinkat -F key=${AUDITD_KEY}`] });
    execFileSync('auditctl', ['-D', '-k', AUDITD_KEY]);
    expect(auditState()).toEqual(before);
  });

  it("with Debian's auditd running: multicast, auditd's log still gets the records, its rules and settings untouched", async () => {
    const auditd = await startAuditd();
    try {
      execFileSync('auditctl', ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'unlinkat', '-k', AUDITD_KEY]);
      const daemon = auditState();
      const { src, events, deps } = started();
      src.setPlan({ syscalls: ['openat', 'connect'] });
      await src.start(new AbortController().signal);
      try {
        expect(src.status().mode).toBe('multicast');
        await openAndConnect(src, events);
        // auditd's own rule's records reach vigil too (the multicast group gets every record).
        const victim = join(dir, 'to-unlink');
        writeFileSync(victim, 'x');
        const rmPid = await run('rm', [victim]);
        await vi.waitFor(() => expect(events.find((e) => e.pid === rmPid && e.syscall === 'unlinkat' && e.key === AUDITD_KEY)).toBeDefined(), WAIT);
        // auditd's log has the records of vigil's rule as well as of its own.
        await vi.waitFor(() => {
          const log = readFileSync(auditd.logFile, 'utf8');
          expect(log).toContain(`pid=${rmPid} `);
          const conn = events.find((e) => e.syscall === 'connect' && e.sockaddr?.family === 'inet' && e.sockaddr.port === port)!;
          expect(log).toMatch(new RegExp(`msg=audit\\(\\d+\\.\\d+:${conn.serial}\\): arch=c000003e syscall=42 .*key="vigil"`));
        }, WAIT);
        expect(auditState().pid).toBe(auditd.child.pid);
      } finally {
        await src.stop();
      }
      // auditd's pid, enabled flag, backlog limit and rule are as it set them.
      expect(auditState()).toEqual(daemon);
      expect(deps.reported).toEqual([]);
    } finally {
      await auditd.stop();
      restoreAudit(before, [AUDITD_KEY]);
    }
    expect(auditState()).toEqual(before);
  });
});
