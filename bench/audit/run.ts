/**
 * What kernel auditing costs, measured against auditing off in the same run:
 * per non-audited and per audited syscall, requests per second of an HTTP
 * server on loopback, the agent's CPU per 1,000 audit events, and records
 * lost at 10,000 and 50,000 events per second.
 *
 *   flock /tmp/vigil-audit-dev.lock node --import tsx bench/audit/run.ts [--quick] [--no-write]
 *
 * Needs root, auditctl (Debian's auditd package), python3 and dd, and the
 * kernel's audit state free (no daemon, no rules). Leaves it as found.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { type AuditState, auditState, restoreAudit } from '../../test/integration/harness/audit.js';
import { ddBytes, httpLoad, pyOpens, pyPacedOpens } from './workloads.js';

const args = process.argv.slice(2);
/** The default of --audit-rate-limit (agent/config/schema.ts), the rate the agent child runs with. */
const RATE_LIMIT = 20_000;
const quick = args.includes('--quick');
const write = !args.includes('--no-write');
const log = (s: string): void => void process.stderr.write(`[audit] ${s}\n`);

/** Syscalls the connection and privilege rules need (no file syscalls). */
const PLAN_NET = [
  'connect',
  'accept',
  'accept4',
  'execve',
  'execveat',
  'setns',
  'unshare',
  'ptrace',
  'init_module',
  'finit_module',
  'memfd_create',
  'mount',
  'umount2',
  'bpf',
  'userfaultfd',
  'setuid',
];
/** PLAN_NET plus what the file rules need: every open is audited. */
const PLAN_FILES = [
  ...PLAN_NET,
  'open',
  'openat',
  'openat2',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  'mkdir',
  'mkdirat',
  'chmod',
  'fchmodat',
  'symlink',
  'symlinkat',
  'link',
  'linkat',
];

const cfg = quick ? { rounds: 1, ddBytes: 200_000, opens: 20_000, httpSeconds: 2, rateSeconds: 2 } : { rounds: 3, ddBytes: 1_000_000, opens: 100_000, httpSeconds: 5, rateSeconds: 5 };

interface Stats {
  events: number;
  markerEvents: number;
  cpuUs: number;
  lost: Record<string, number>;
  kernelLost: number;
}

/** The audit source in its own process (bench/audit/agent-child.ts). */
class AgentChild {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: Interface,
  ) {}
  private readonly queue: string[] = [];
  private waiter: ((l: string) => void) | undefined;
  private exitedWith: string | undefined;

  static async start(): Promise<AgentChild> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'agent-child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const a = new AgentChild(child, createInterface({ input: child.stdout! }));
    // A crashed agent (the netlink binding aborts on a socket error: docs/audit.md) answers nothing: fail the wait.
    child.once('exit', (code, signal) => {
      a.exitedWith = `exited ${code ?? signal}`;
      a.waiter?.(a.exitedWith);
    });
    a.lines.on('line', (l) => {
      if (a.waiter) {
        const w = a.waiter;
        a.waiter = undefined;
        w(l);
      } else a.queue.push(l);
    });
    const ready = await a.next();
    if (ready !== 'ready unicast') throw new Error(`audit source did not start unicast: ${ready}`);
    return a;
  }
  private next(): Promise<string> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    if (this.exitedWith) return Promise.resolve(this.exitedWith);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
  async cmd(line: string): Promise<string> {
    this.child.stdin!.write(`${line}\n`);
    return this.next();
  }
  async stats(): Promise<Stats> {
    const line = await this.cmd('stats');
    if (!line.startsWith('{')) throw new Error(`the audit source process ${line}`);
    return JSON.parse(line) as Stats;
  }
  async quit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.cmd('quit');
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

type State = 'pristine' | 'off' | 'net' | 'files';
const STATES: readonly State[] = ['pristine', 'off', 'net', 'files'];

interface Sample {
  dd: number;
  opens: number;
  opensCpu: number;
  httpKeepAlive: number;
  httpPerConnection: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function sample(dir: string): Promise<Sample> {
  const dd = (await ddBytes(cfg.ddBytes)).ms;
  const o = await pyOpens(join(dir, 'opened'), cfg.opens);
  const httpKeepAlive = await httpLoad(cfg.httpSeconds, 16, true);
  const httpPerConnection = await httpLoad(cfg.httpSeconds, 16, false);
  return { dd, opens: o.wallMs, opensCpu: o.cpuMs, httpKeepAlive, httpPerConnection };
}

async function waitQuiet(agent: AgentChild): Promise<Stats> {
  let last = await agent.stats();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await agent.stats();
    if (s.events === last.events) return s;
    last = s;
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/audit needs root');
  const before: AuditState = auditState();
  if (before.pid !== 0 || before.rules.length > 0 || before.enabled === 2)
    throw new Error(`the kernel's audit state is in use (pid ${before.pid}, ${before.rules.length} rules, enabled ${before.enabled}): run alone, under flock /tmp/vigil-audit-dev.lock`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-audit-'));
  writeFileSync(join(dir, 'opened'), 'x');
  const samples: Record<State, Sample[]> = { pristine: [], off: [], net: [], files: [] };
  const cpuPerK: number[] = [];
  const rates: { rate: number; sent: number; seconds: number; received: number; kernelLost: number; vigilLost: number; cpuMsPerK: number }[] = [];
  const startedAt = new Date();
  const load0 = loadavg()[0]!;
  let agent: AgentChild | undefined;
  try {
    for (let round = 0; round < cfg.rounds; round++) {
      for (const state of STATES) {
        log(`round ${round + 1}/${cfg.rounds}: ${state}`);
        if (state === 'pristine') {
          // A task rule "never" gives new processes no audit context at all: the path of a kernel that never had auditing on.
          execFileSync('auditctl', ['-a', 'never,task']);
          try {
            samples.pristine.push(await sample(dir));
          } finally {
            execFileSync('auditctl', ['-d', 'never,task']);
          }
          continue;
        }
        if (state === 'off') {
          samples.off.push(await sample(dir));
          continue;
        }
        agent ??= await AgentChild.start();
        await agent.cmd(`plan ${(state === 'net' ? PLAN_NET : PLAN_FILES).join(',')}`);
        const s0 = await agent.stats();
        samples[state].push(await sample(dir));
        if (state === 'files') {
          const s1 = await waitQuiet(agent);
          cpuPerK.push((s1.cpuUs - s0.cpuUs) / 1000 / ((s1.events - s0.events) / 1000));
          await agent.quit();
          agent = undefined;
        }
      }
    }
    agent = await AgentChild.start();
    await agent.cmd(`plan ${PLAN_FILES.join(',')}`);
    for (const rate of [10_000, 50_000]) {
      const marker = join(dir, `rate-${rate}`);
      writeFileSync(marker, 'x');
      await agent.cmd(`marker ${marker}`);
      const s0 = await agent.stats();
      log(`rate ${rate}/s for ${cfg.rateSeconds} s`);
      const [sent, seconds] = (await pyPacedOpens(marker, rate, cfg.rateSeconds)).stdout.trim().split(' ').map(Number) as [number, number];
      await waitQuiet(agent);
      // The kernel's lost counter is read every 5 s (statusIntervalMs): wait for a read after the load.
      await new Promise((r) => setTimeout(r, 5_500));
      const s1 = await agent.stats();
      const vigilLost = Object.values(s1.lost).reduce((a, b) => a + b, 0) - Object.values(s0.lost).reduce((a, b) => a + b, 0);
      rates.push({ rate, sent, seconds, received: s1.markerEvents, kernelLost: s1.kernelLost - s0.kernelLost, vigilLost, cpuMsPerK: (s1.cpuUs - s0.cpuUs) / 1000 / ((s1.events - s0.events) / 1000) });
    }
    await agent.quit();
    agent = undefined;
  } finally {
    if (agent) await agent.quit().catch(() => undefined);
    try {
      execFileSync('auditctl', ['-d', 'never,task'], { stdio: 'ignore' });
    } catch {
      /* not there */
    }
    restoreAudit(before, ['vigil']);
    rmSync(dir, { recursive: true, force: true });
  }
  const after = auditState();
  if (JSON.stringify(after) !== JSON.stringify(before)) log(`WARNING: audit state differs after the run: ${JSON.stringify(after)} (before ${JSON.stringify(before)})`);

  const med = (st: State, k: keyof Sample): number => median(samples[st].map((x) => x[k]));
  const ddNs = (st: State): number => ((med(st, 'dd') - med('pristine', 'dd')) * 1e6) / (2 * cfg.ddBytes);
  const opensNs = ((med('files', 'opensCpu') - med('net', 'opensCpu')) * 1e6) / cfg.opens;
  const opensWallNs = ((med('files', 'opens') - med('net', 'opens')) * 1e6) / cfg.opens;
  const pct = (st: State, k: 'httpKeepAlive' | 'httpPerConnection'): string => `${((med(st, k) / med('pristine', k) - 1) * 100).toFixed(1)} %`;
  const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');
  const f1 = (n: number): string => n.toFixed(1);
  const rows = [
    `| \`dd bs=1\`, ${f0(2 * cfg.ddBytes)} syscalls none audited, ms (median of ${cfg.rounds}) | ${f0(med('pristine', 'dd'))} | ${f0(med('off', 'dd'))} | ${f0(med('net', 'dd'))} | ${f0(med('files', 'dd'))} |`,
    `| Added cost per non-audited syscall, ns (vs no audit context) | 0 | ${f0(ddNs('off'))} | ${f0(ddNs('net'))} | ${f0(ddNs('files'))} |`,
    `| Python loop of ${f0(cfg.opens)} open+close of one file, process CPU ms | ${f0(med('pristine', 'opensCpu'))} | ${f0(med('off', 'opensCpu'))} | ${f0(med('net', 'opensCpu'))} | ${f0(med('files', 'opensCpu'))} (opens audited) |`,
    `| The same loop, wall ms (adds waits on a full backlog) | ${f0(med('pristine', 'opens'))} | ${f0(med('off', 'opens'))} | ${f0(med('net', 'opens'))} | ${f0(med('files', 'opens'))} |`,
    `| HTTP keep-alive, 16 in flight, requests/s | ${f0(med('pristine', 'httpKeepAlive'))} | ${f0(med('off', 'httpKeepAlive'))} (${pct('off', 'httpKeepAlive')}) | ${f0(med('net', 'httpKeepAlive'))} (${pct('net', 'httpKeepAlive')}) | ${f0(med('files', 'httpKeepAlive'))} (${pct('files', 'httpKeepAlive')}) |`,
    `| HTTP, a new connection per request (connect + accept audited), requests/s | ${f0(med('pristine', 'httpPerConnection'))} | ${f0(med('off', 'httpPerConnection'))} (${pct('off', 'httpPerConnection')}) | ${f0(med('net', 'httpPerConnection'))} (${pct('net', 'httpPerConnection')}) | ${f0(med('files', 'httpPerConnection'))} (${pct('files', 'httpPerConnection')}) |`,
  ];
  const rateRows = rates.map(
    (r) =>
      `| ${f0(r.rate)}/s asked for ${cfg.rateSeconds} s | ${f0(r.sent / r.seconds)}/s (${f0(r.sent)}) | ${f0(r.received)} | ${f0(r.sent - r.received)} | ${f0(r.kernelLost)} | ${f0(r.vigilLost)} | ${f1(r.cpuMsPerK)} |`,
  );
  const section = [
    '## Kernel audit: cost of auditing, agent CPU, records lost',
    '',
    `Columns: **no audit context** (a \`-a never,task\` rule: new processes get none, as on a kernel that never had auditing on), **off** (auditing disabled after it was once enabled since boot: processes still carry a context), **on, network plan** (vigil's rule: ${PLAN_NET.length} syscalls, connect/accept/execve/setns/ptrace...), **on, file plan** (${PLAN_FILES.length} syscalls, every open audited). Same run, states interleaved per round; the audit source runs in its own process and consumes every event.`,
    '',
    '| Measure | no audit context | off (after on) | on, network plan | on, file plan |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Added cost per audited syscall (an open audited vs not, audit on in both): **${f0(opensNs)} ns** of the process's CPU (the kernel writing its records); **${f0(opensWallNs)} ns** of wall time, which adds the process waiting while vigil drains a full backlog (an unpaced loop produces events faster than the agent reads them). Agent (audit source) CPU per 1,000 events while the loop ran: **${cpuPerK.map(f1).join(' / ')} ms**.`,
    '',
    '### Records lost under load (file plan; one event = SYSCALL + CWD + PATH + PROCTITLE + EOE records)',
    '',
    '| Rate | Achieved (opens) | Events received | Events missing (sent − received) | Kernel lost | Counted lost by vigil | Agent CPU per 1,000 events, ms |',
    '|---|---|---|---|---|---|---|',
    ...rateRows,
    '',
    'A full kernel backlog first makes the audited process wait (`backlog_wait_time`), then loses records (kernel lost counter): the achieved rate shows the first, the lost columns the second.',
    '',
    'Machine:',
    `- date: ${startedAt.toISOString()}, ${quick ? 'quick run' : 'full run'}`,
    `- cpus: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average at start ${load0.toFixed(2)}`,
    `- kernel: ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}; while vigil runs: backlog limit 8192, rate limit ${RATE_LIMIT.toLocaleString('en-US')} records/s`,
    `- node: ${process.version}`,
    '',
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (write) writeFileSync(join(import.meta.dirname, 'RESULTS.md'), `# bench/audit results\n\n${section}`);
}

await main();
