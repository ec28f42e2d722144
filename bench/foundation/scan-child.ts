/**
 * Forked by scan-cost.ts so the scanner's CPU and RSS are its own: builds
 * the agent's host scanner (process table + socket table, as
 * agent/pipeline.ts configures it) and times scan() (the sock_diag dump of
 * its own netns, then the synchronous scan, as the schedule runs it) with
 * process.cpuUsage() (getrusage: every thread of this process, µs).
 *
 * argv[2] is a JSON ScanChildRequest; the reply is one ScanChildReply IPC message.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { CollectorDeps, ErrorReporter } from '../../core/deps.js';
import { openSockDiag } from '../../collectors/netfs/sock-diag-socket.js';
import { createHostScanner, type HostScanner } from '../../collectors/scan/index.js';

export interface ScanChildRequest {
  /**
   * Fresh scanners whose first (full) scan is timed but not counted, after
   * the very first one: V8 keeps optimizing the scan code over the first few
   * full scans (each new scanner's closures are compiled again), and the
   * medians should price the scan's work, not the compiler's.
   */
  readonly coldWarmups: number;
  /** Fresh scanners whose first (full) scan is timed and counted, after the warm-ups. */
  readonly coldRepeats: number;
  /** Incremental scans timed on the last scanner. */
  readonly steadyScans: number;
  /** Pause between incremental scans, like the agent's scan interval (shortened). */
  readonly steadyIntervalMs: number;
}

export interface ScanChildReply {
  /** CPU ms of the first full scan in a fresh process (module code not yet optimized by the JIT). */
  readonly firstScanCpuMs: number;
  /** CPU ms of the warm-up full scans (see coldWarmups). */
  readonly coldWarmupCpuMs: readonly number[];
  /** CPU ms of each later full scan on fresh tables. */
  readonly coldCpuMs: readonly number[];
  /** CPU ms of each incremental scan. */
  readonly steadyCpuMs: readonly number[];
  /** Wall ms of the process and socket halves of the incremental scans (the scanner's own durationMs). */
  readonly steadyProcessesWallMs: readonly number[];
  readonly steadySocketsWallMs: readonly number[];
  readonly coldProcessesWallMs: readonly number[];
  readonly coldSocketsWallMs: readonly number[];
  readonly processes: number;
  readonly sockets: number;
  readonly errors: number;
  /** After a forced GC, with one scanner's tables alive. */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Unit costs behind the scan, CPU of one read: what a scan multiplies by the number of pids or netns. */
  readonly probes: Probes;
}

export interface Probes {
  readonly netTcpReadMs: number;
  /** One TCP dump (IPv4 + IPv6) of this netns over NETLINK_SOCK_DIAG, what the agent does instead for its own netns. */
  readonly sockDiagDumpMs: number;
  readonly netUdpReadMs: number;
  readonly pidStatReadUs: number;
  /** Distinct network namespaces among the processes (each one's TCP tables are read separately). */
  readonly netns: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let errorCount = 0;
const errors: ErrorReporter = {
  report(component, stage, err) {
    errorCount++;
    if (errorCount <= 5) process.stderr.write(`scan-child: ${component} ${stage}: ${(err as Error)?.message ?? String(err)}\n`);
  },
};

function makeScanner(): HostScanner {
  const deps: CollectorDeps = { log: pino({ level: 'silent' }), registry: new Registry(), errors };
  return createHostScanner(deps, { procRoot: '/proc', passwdPath: '/etc/passwd', maxCmdlineBytes: 4096, scanIntervalMs: 1000, sockDiag: true });
}

async function timed(scanner: HostScanner, walls: { p: number[]; s: number[] }): Promise<number> {
  const off = scanner.onScan((r) => {
    walls.p.push(r.processes.durationMs);
    walls.s.push(r.sockets.durationMs);
  });
  const t0 = process.cpuUsage();
  await scanner.scan();
  const d = process.cpuUsage(t0);
  off();
  return (d.user + d.system) / 1000;
}

function cpuPerCall(n: number, fn: () => void): number {
  fn();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / n; // µs
}

async function sockDiagDumpMs(n: number): Promise<number> {
  const diag = await openSockDiag('/proc');
  try {
    await diag.dumpTcp();
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await diag.dumpTcp();
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / n / 1000;
  } finally {
    diag.close();
  }
}

async function probes(): Promise<Probes> {
  const netns = new Set<string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      netns.add(readlinkSync(`/proc/${name}/ns/net`));
    } catch {
      // gone, or a kernel thread
    }
  }
  return {
    netTcpReadMs: cpuPerCall(20, () => readFileSync('/proc/self/net/tcp')) / 1000,
    sockDiagDumpMs: await sockDiagDumpMs(20),
    netUdpReadMs: cpuPerCall(20, () => readFileSync('/proc/self/net/udp')) / 1000,
    pidStatReadUs: cpuPerCall(2000, () => readFileSync('/proc/self/stat')),
    netns: netns.size,
  };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ScanChildRequest;
  const coldWalls = { p: [] as number[], s: [] as number[] };
  const steadyWalls = { p: [] as number[], s: [] as number[] };
  let scanner = makeScanner();
  const firstScanCpuMs = await timed(scanner, { p: [], s: [] });
  const coldWarmupCpuMs: number[] = [];
  const coldCpuMs: number[] = [];
  for (let i = 0; i < req.coldWarmups + req.coldRepeats; i++) {
    await scanner.stop(); // closes its netlink socket
    scanner = makeScanner();
    // No forced gc() here: a full GC flushes the optimized code of the scan
    // functions, so the timed scan would pay a recompilation that the
    // agent (which never forces a GC) pays once, in its first scan, reported
    // apart. The previous tables' garbage stays for the timed scan's own GCs.
    if (i < req.coldWarmups) coldWarmupCpuMs.push(await timed(scanner, { p: [], s: [] }));
    else coldCpuMs.push(await timed(scanner, coldWalls));
  }
  const steadyCpuMs: number[] = [];
  for (let i = 0; i < req.steadyScans; i++) {
    await sleep(req.steadyIntervalMs);
    steadyCpuMs.push(await timed(scanner, steadyWalls));
  }
  globalThis.gc?.();
  let processes = 0;
  for (const _ of scanner.processes.list()) processes++;
  let sockets = 0;
  for (const _ of scanner.sockets.list()) sockets++;
  const mem = process.memoryUsage();
  const reply: ScanChildReply = {
    firstScanCpuMs,
    coldWarmupCpuMs,
    coldCpuMs,
    steadyCpuMs,
    steadyProcessesWallMs: steadyWalls.p,
    steadySocketsWallMs: steadyWalls.s,
    coldProcessesWallMs: coldWalls.p,
    coldSocketsWallMs: coldWalls.s,
    processes,
    sockets,
    errors: errorCount,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    probes: await probes(),
  };
  process.send!(reply, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`scan-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
