/**
 * Exec coverage benchmark: spawns short-lived processes (sleep 0.01 and
 * sleep 0.1) at a steady rate, half on the host and half inside a Docker
 * container, while an exec watcher runs in a child process; then checks the
 * watcher's events against the list of processes the benchmark spawned.
 *
 *   npx tsx bench/exec/run.ts [--modes netlink,poll] [--count 1000] [--rate 100] [--out bench/exec/RESULTS.md]
 *
 * Needs root in the host namespaces (netlink), Docker and the
 * vigil-test/busybox image. Writes a Markdown report.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { release, loadavg, cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest, SeenExec } from './watcher-child.js';

const IMAGE = 'vigil-test/busybox:latest';
const DURATIONS = ['0.01', '0.1'] as const;
type Where = 'host' | 'container';

interface Spawned {
  readonly where: Where;
  readonly dur: string;
  pid?: number; // host pid, or vpid inside the container
}

interface Row {
  readonly where: Where;
  readonly dur: string;
  readonly spawned: number;
  readonly seen: number;
  readonly fullArgs: number;
  readonly withContainer: number;
  readonly partial: number;
}

interface ModeResult {
  readonly mode: string;
  readonly rows: Row[];
  readonly cpuPercent: number;
  readonly execRate: number;
  readonly unattributed: number;
  readonly lostTotal: string;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function childPath(): string {
  // Runs from source under tsx or compiled under dist/: the child sits beside this file.
  const self = fileURLToPath(import.meta.url);
  return self.replace(/run\.(ts|js)$/, 'watcher-child.$1');
}

function request(child: ChildProcess, req: ChildRequest): void {
  child.send(req);
}

async function reply<T extends ChildReply['type']>(child: ChildProcess, type: T): Promise<Extract<ChildReply, { type: T }>> {
  for (;;) {
    const [m] = (await once(child, 'message')) as [ChildReply];
    if (m.type === type) return m as Extract<ChildReply, { type: T }>;
  }
}

/** A container whose init reads durations on stdin and answers each with the pid of a backgrounded `sleep`. */
async function startContainer(name: string): Promise<{ id: string; proc: ChildProcess; pids: AsyncIterator<string> }> {
  const proc = spawn('docker', ['run', '-i', '--rm', '--name', name, IMAGE, 'sh', '-c', 'while read l; do sleep $l & echo $!; done'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  for (let i = 0; i < 100; i++) {
    try {
      const state = execFileSync('docker', ['inspect', '-f', '{{.State.Running}} {{.Id}}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const [running, id] = state.split(' ');
      if (running === 'true' && id) return { id, proc, pids: lines };
    } catch {
      /* not created yet */
    }
    await sleep(100);
  }
  throw new Error(`container ${name} did not start`);
}

async function runMode(mode: 'netlink' | 'poll', count: number, rate: number): Promise<ModeResult> {
  const child = fork(childPath(), [mode], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await reply(child, 'ready');
  if (ready.mode !== mode) throw new Error(`watcher runs in ${ready.mode} mode, wanted ${mode}`);
  const name = `vigil-exec-bench-${process.pid}-${mode}`;
  const ctr = await startContainer(name);
  try {
    await sleep(500);
    const plan: Spawned[] = [];
    for (let i = 0; i < count; i++) {
      plan.push({ where: i % 2 === 0 ? 'host' : 'container', dur: DURATIONS[Math.floor(i / 2) % 2]! });
    }
    const containerQueue: Spawned[] = [];
    const hostExits: Promise<unknown>[] = [];
    // Pids come back in the order the durations were written.
    const reader = (async () => {
      for (;;) {
        const r = await ctr.pids.next();
        if (r.done) return;
        const s = containerQueue.shift();
        if (s) s.pid = Number(r.value);
        if (plan.every((p) => p.where === 'host' || p.pid !== undefined)) return;
      }
    })();

    request(child, { type: 'cpu-start' });
    const t0 = performance.now();
    const periodMs = 1000 / rate;
    for (let i = 0; i < plan.length; i++) {
      const wait = t0 + i * periodMs - performance.now();
      if (wait > 1) await sleep(wait);
      const s = plan[i]!;
      if (s.where === 'host') {
        const c = spawn('sleep', [s.dur], { stdio: 'ignore' });
        s.pid = c.pid;
        hostExits.push(once(c, 'exit'));
      } else {
        containerQueue.push(s);
        ctr.proc.stdin!.write(`${s.dur}\n`);
      }
    }
    const spawnSeconds = (performance.now() - t0) / 1000;
    await Promise.all(hostExits);
    await Promise.race([reader, sleep(5000)]);
    await sleep(300);
    request(child, { type: 'cpu-stop' });
    const cpu = await reply(child, 'cpu');
    request(child, { type: 'report' });
    const report = await reply(child, 'report');
    await once(child, 'exit');
    return score(mode, plan, ctr.id, report.execs, {
      cpuPercent: ((cpu.userUs + cpu.systemUs) / 1000 / cpu.wallMs) * 100,
      execRate: count / spawnSeconds,
      lostTotal: /^vigil_exec_events_lost_total (\d+)/m.exec(report.metrics)?.[1] ?? '?',
    });
  } finally {
    ctr.proc.stdin!.end();
    try {
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    } catch {
      /* gone with --rm */
    }
    if (child.connected) child.kill();
  }
}

function score(mode: string, plan: Spawned[], containerId: string, execs: SeenExec[], extra: { cpuPercent: number; execRate: number; lostTotal: string }): ModeResult {
  const byHostPid = new Map<number, SeenExec[]>();
  const byVpid = new Map<number, SeenExec[]>();
  let unattributed = 0;
  for (const e of execs) {
    if (e.containerId === containerId) {
      // A process gone before its status was read has no vpid to match on.
      if (e.vpid === 0) unattributed++;
      else byVpid.set(e.vpid, [...(byVpid.get(e.vpid) ?? []), e]);
    } else {
      byHostPid.set(e.pid, [...(byHostPid.get(e.pid) ?? []), e]);
    }
  }
  const rows: Row[] = [];
  for (const where of ['host', 'container'] as const) {
    for (const dur of DURATIONS) {
      const group = plan.filter((p) => p.where === where && p.dur === dur);
      let seen = 0;
      let fullArgs = 0;
      let withContainer = 0;
      let partial = 0;
      for (const p of group) {
        const hits = p.pid === undefined ? [] : ((where === 'host' ? byHostPid : byVpid).get(p.pid) ?? []);
        if (hits.length === 0) continue;
        seen++;
        if (hits.some((h) => h.args.join(' ') === `sleep ${dur}`)) fullArgs++;
        if (where === 'container') withContainer++; // matched through its container id
        if (hits.every((h) => h.partial)) partial++;
      }
      rows.push({ where, dur, spawned: group.length, seen, fullArgs, withContainer, partial });
    }
  }
  return { mode, rows, unattributed, ...extra };
}

function pct(n: number, of: number): string {
  return of === 0 ? '-' : `${((n / of) * 100).toFixed(1)} %`;
}

function markdown(results: ModeResult[], count: number, rate: number): string {
  const out: string[] = [];
  out.push('# Exec watcher benchmark results', '');
  out.push(
    `Recorded ${new Date().toISOString()} on Linux ${release()}, ${cpus().length} CPUs (load average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; the machine is shared, so numbers are indicative).`,
    '',
    `${count} processes per mode, spawned at ${rate}/s: half on the host (node child_process.spawn; expected pid from spawn),`,
    'half inside a Docker container (busybox sh in the container backgrounds `sleep` and prints `$!`; matched on container id + pid in the container).',
    'Half of each live 10 ms (`sleep 0.01`), half 100 ms (`sleep 0.1`). The watcher runs in a child process; its CPU is measured apart from the spawner.',
    '`seen` = an exec event for that process; `full args` = an exec event with argv `sleep <dur>`; `with container` = matched with the right container id;',
    '`partial` = every event for it was flagged partial (gone before fully read).',
    '',
  );
  for (const r of results) {
    out.push(`## mode: ${r.mode}`, '');
    out.push('| where | lifetime | spawned | seen | full args | with container | partial only |');
    out.push('|---|---|---|---|---|---|---|');
    for (const row of r.rows) {
      out.push(
        `| ${row.where} | ${Number(row.dur) * 1000} ms | ${row.spawned} | ${pct(row.seen, row.spawned)} | ${pct(row.fullArgs, row.spawned)} | ${
          row.where === 'container' ? pct(row.withContainer, row.spawned) : '-'
        } | ${row.partial} |`,
      );
    }
    out.push(
      '',
      `Watcher CPU at ${r.execRate.toFixed(0)} execs/s: ${r.cpuPercent.toFixed(1)} % of one core (user + system, whole watcher process).`,
      `Container exec events without a pid to match (gone before /proc/<pid>/status was read): ${r.unattributed}. vigil_exec_events_lost_total: ${r.lostTotal}.`,
      '',
    );
  }
  return out.join('\n');
}

const modes = arg('modes', 'netlink,poll').split(',') as ('netlink' | 'poll')[];
const count = Number(arg('count', '1000'));
const rate = Number(arg('rate', '100'));
const outPath = arg('out', fileURLToPath(new URL('./RESULTS.md', import.meta.url)).replace(/\/dist\/bench\//, '/bench/'));
const results: ModeResult[] = [];
for (const mode of modes) {
  console.error(`exec bench: ${mode} mode, ${count} processes at ${rate}/s`);
  results.push(await runMode(mode, count, rate));
}
const md = markdown(results, count, rate);
writeFileSync(outPath, `${md}\n`);
console.log(md);
