import type { Baseline } from './baseline.js';
import { PS_COMMAND, SS_TCP_COMMAND, SS_TCP_UDP_COMMAND } from './baseline.js';
import type { AgentSelfReport, IdleCpu, ScrapeCost } from './measure.js';
import type { ScanChildReply } from './scan-child.js';
import { median, percentile } from './stats.js';

export interface ScanLevel {
  readonly targetProcesses: number;
  /** /proc entries when the scan child started and when the baseline ended. */
  readonly processesBefore: number;
  readonly processesAfter: number;
  readonly scan: ScanChildReply;
  readonly baseline: Baseline;
}

export interface AgentLevel {
  readonly processes: number;
  readonly idle: IdleCpu;
  readonly self: AgentSelfReport;
  readonly command: string;
}

export interface Results {
  readonly quick: boolean;
  readonly machine: Readonly<Record<string, string>>;
  readonly containers: number;
  readonly containerStartSeconds: number;
  readonly tcpConnections: number;
  readonly levels: readonly ScanLevel[];
  readonly agent1k: AgentLevel;
  readonly agent5k: AgentLevel;
  readonly scrapeAgent: ScrapeCost;
  readonly scrapeNodeExporter: ScrapeCost;
  readonly nodeExporterIdle: IdleCpu;
  readonly nodeExporterCommand: string;
  readonly settings: Readonly<Record<string, string | number>>;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.POSITIVE_INFINITY);
const verdict = (ok: boolean) => (ok ? 'pass' : '**FAIL**');

interface Row {
  readonly what: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly result: string;
}

function targetRows(r: Results): Row[] {
  const rows: Row[] = [];
  for (const l of r.levels) {
    const n = `${l.processesBefore} processes, ${r.containers} containers`;
    const cold = median(l.scan.coldCpuMs);
    const steady = median(l.scan.steadyCpuMs);
    const base = l.baseline.totalMs;
    rows.push({
      what: `Cold full scan, CPU ms (${n})`,
      value: ms(cold),
      baseline: `${ms(base)} (ps ${ms(l.baseline.psMs)} + ss ${ms(l.baseline.ssTcpMs)})`,
      ratio: `${ratio(cold, base).toFixed(2)}x`,
      target: '≤ 1.5x',
      result: verdict(ratio(cold, base) <= 1.5),
    });
    rows.push({
      what: `Steady-state scan, CPU ms, median (${n})`,
      value: ms(steady),
      baseline: ms(base),
      ratio: `${ratio(steady, base).toFixed(3)}x`,
      target: '≤ 0.25x',
      result: verdict(ratio(steady, base) <= 0.25),
    });
  }
  const a = r.agent1k;
  rows.push({
    what: `Agent idle CPU, 1 s scan (${a.processes} processes, ${a.self.containers} containers)`,
    value: `${a.idle.percentOfCore.toFixed(2)} % of a core`,
    baseline: '–',
    ratio: '–',
    target: '≤ 2 %',
    result: verdict(a.idle.percentOfCore <= 2),
  });
  const b = r.agent5k;
  rows.push({
    what: `Agent RSS (${b.processes} processes, ${b.self.containers} containers)`,
    value: `${mb(b.idle.rssBytes)} MB`,
    baseline: '–',
    ratio: '–',
    target: '≤ 100 MB',
    result: verdict(b.idle.rssBytes <= 100 * 1024 * 1024),
  });
  const s = r.scrapeAgent.cpuMsPerScrape;
  const ne = r.scrapeNodeExporter.cpuMsPerScrape;
  rows.push({
    what: `CPU ms per /metrics scrape (${a.self.containers} containers)`,
    value: ms(s),
    baseline: `${ms(ne)} (node_exporter)`,
    ratio: `${ratio(s, ne).toFixed(2)}x`,
    target: '≤ 1x',
    result: verdict(s <= ne),
  });
  return rows;
}

function table(rows: readonly Row[]): string {
  const head = '| Measure | vigil | Baseline | Ratio | Target | Result |\n|---|---|---|---|---|---|\n';
  return `${head + rows.map((x) => `| ${x.what} | ${x.value} | ${x.baseline} | ${x.ratio} | ${x.target} | ${x.result} |`).join('\n')}\n`;
}

function detailRows(r: Results): string {
  const out: string[] = ['| Detail | Value |', '|---|---|'];
  for (const l of r.levels) {
    const k = `~${l.targetProcesses}`;
    out.push(`| ${k}: processes before / after the scan measurement | ${l.processesBefore} / ${l.processesAfter} |`);
    out.push(`| ${k}: first scan in a fresh Node process (JIT cold), CPU ms | ${ms(l.scan.firstScanCpuMs)} (${ratio(l.scan.firstScanCpuMs, l.baseline.totalMs).toFixed(2)}x ps + ss) |`);
    out.push(`| ${k}: warm-up full scans on fresh tables (V8 still optimizing; not in the median), CPU ms each | ${l.scan.coldWarmupCpuMs.map(ms).join(', ')} |`);
    out.push(`| ${k}: cold scans on fresh tables, CPU ms each | ${l.scan.coldCpuMs.map(ms).join(', ')} |`);
    out.push(`| ${k}: cold scan wall ms, processes / sockets (median) | ${ms(median(l.scan.coldProcessesWallMs))} / ${ms(median(l.scan.coldSocketsWallMs))} |`);
    out.push(`| ${k}: steady scan CPU ms median / p90 / max | ${ms(median(l.scan.steadyCpuMs))} / ${ms(percentile(l.scan.steadyCpuMs, 90))} / ${ms(Math.max(...l.scan.steadyCpuMs))} |`);
    out.push(`| ${k}: steady scan wall ms, processes / sockets (median) | ${ms(median(l.scan.steadyProcessesWallMs))} / ${ms(median(l.scan.steadySocketsWallMs))} |`);
    out.push(`| ${k}: table sizes after the scans: processes / sockets | ${l.scan.processes} / ${l.scan.sockets} |`);
    out.push(`| ${k}: scanner child RSS / heap used after GC | ${mb(l.scan.rssBytes)} MB / ${mb(l.scan.heapUsedBytes)} MB |`);
    out.push(`| ${k}: collector errors reported in the scanner child | ${l.scan.errors} |`);
    out.push(`| ${k}: \`${SS_TCP_UDP_COMMAND}\` CPU ms (TCP and UDP, as vigil) | ${ms(l.baseline.ssTcpUdpMs)} |`);
    const p = l.scan.probes;
    out.push(
      `| ${k}: unit costs, CPU per read: /proc/<pid>/net/tcp / sock_diag TCP dump (v4 + v6) / net/udp / /proc/<pid>/stat; network namespaces | ${ms(p.netTcpReadMs)} ms / ${ms(p.sockDiagDumpMs)} ms / ${ms(p.netUdpReadMs)} ms / ${ms(p.pidStatReadUs)} µs; ${p.netns} |`,
    );
  }
  for (const [k, a] of [
    ['agent ~1000', r.agent1k],
    ['agent ~5000', r.agent5k],
  ] as const) {
    out.push(`| ${k}: idle CPU over ${a.idle.seconds.toFixed(0)} s | ${a.idle.percentOfCore.toFixed(2)} % of a core (${ms(a.idle.cpuMs)} ms) |`);
    out.push(`| ${k}: VmRSS; V8 heap used / heap total; external | ${mb(a.idle.rssBytes)} MB; ${mb(a.self.heapUsedBytes)} / ${mb(a.self.heapTotalBytes)} MB; ${mb(a.self.externalBytes)} MB |`);
    out.push(
      `| ${k}: its own metrics: vigil_processes / sockets / containers seen / component errors | ${a.self.processes} / ${a.self.sockets} / ${a.self.containers} of ${r.containers} / ${a.self.componentErrors} |`,
    );
    const scans = Object.entries(a.self.scanMeanMs)
      .map(([t, v]) => `${t} ${ms(v)}`)
      .join(', ');
    out.push(`| ${k}: mean scan wall ms (vigil_scan_duration_seconds) | ${scans || 'n/a'} |`);
  }
  const sa = r.scrapeAgent;
  const sn = r.scrapeNodeExporter;
  out.push(`| scrape: vigil CPU ms per scrape by round | ${sa.roundsMsPerScrape.map(ms).join(', ')} |`);
  out.push(`| scrape: node_exporter CPU ms per scrape by round | ${sn.roundsMsPerScrape.map(ms).join(', ')} |`);
  out.push(`| scrape: vigil / node_exporter samples per scrape | ${sa.samples} / ${sn.samples} |`);
  out.push(`| scrape: vigil / node_exporter body bytes | ${sa.bodyBytes} / ${sn.bodyBytes} |`);
  out.push(`| scrape: vigil / node_exporter wall ms per scrape | ${ms(sa.wallMsPerScrape)} / ${ms(sn.wallMsPerScrape)} |`);
  out.push(`| scrape: CPU ms per 1000 samples, vigil / node_exporter | ${ms((sa.cpuMsPerScrape * 1000) / Math.max(1, sa.samples))} / ${ms((sn.cpuMsPerScrape * 1000) / Math.max(1, sn.samples))} |`);
  out.push(`| node_exporter idle CPU over ${r.nodeExporterIdle.seconds.toFixed(0)} s / VmRSS | ${r.nodeExporterIdle.percentOfCore.toFixed(2)} % / ${mb(r.nodeExporterIdle.rssBytes)} MB |`);
  out.push(`| ${r.containers} containers started in | ${r.containerStartSeconds.toFixed(0)} s |`);
  out.push(`| loopback TCP connections held by the load | ${r.tcpConnections} (one client re-connects every 500 ms) |`);
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(r: Results): string {
  const m = Object.entries(r.machine)
    .map(([k, v]) => `- ${k}: ${v}`)
    .join('\n');
  const s = Object.entries(r.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `## Foundation: scan, agent idle, scrape${r.quick ? ' (--quick run: shorter windows, fewer samples)' : ''}

${table(targetRows(r))}
Machine:
${m}

### Details

${detailRows(r)}
### How it was measured

- Command: \`node --import tsx bench/foundation/run.ts${r.quick ? ' --quick' : ''}\` (after \`npm run build\`, for the agent). Settings: ${s}.
- Load: ${r.containers} containers \`docker run -d --rm --name vigilbench-N vigil-test/busybox:latest sleep 3600\`,
  a node TCP server with ${r.tcpConnections} loopback connections from 4 client processes (one of them closes and
  re-opens a connection every 500 ms, so TCP tables change between scans as on a real node), then idle
  processes (\`sleep 3600\`, one in ten with a ~1 KB Java-like command line) up to the process count.
  "Processes" counts the numeric entries of /proc, whatever else runs on the machine at the time.
- Scan cost: a forked Node process builds the agent's host scanner (\`createHostScanner\`: process table +
  socket table of every netns, as \`agent/pipeline.ts\` configures it) and times \`scan()\` (the sock_diag
  TCP dump of its own netns, then the synchronous scan, as the agent's schedule runs it) with
  \`process.cpuUsage()\` (user + sys of every thread; the kernel runs a netlink dump in the reader's context). The first scan in the fresh process is reported apart
  (JIT cold), and so are the next ${r.settings.coldWarmups} full scans on fresh tables, during which V8 is still optimizing the scan
  code (each new scanner's closures are compiled again); "cold" is the median of the ${r.settings.coldRepeats} full scans on fresh tables
  after those, with no forced GC before them (a forced full GC flushes the scan's optimized code, a recompilation
  the agent pays only in its first scan); "steady-state" the median of
  incremental scans on the last scanner, ${r.settings.steadyIntervalMs} ms apart.
- Baseline: \`${PS_COMMAND}\` plus \`${SS_TCP_COMMAND}\` (the issue's yardstick), each the median of
  ${r.settings.baselineRepeats} runs of \`bash -c 'CMD >/dev/null; times'\`, whose second \`times\` line is the CPU of
  bash's children (getrusage RUSAGE_CHILDREN). \`${SS_TCP_UDP_COMMAND}\` is reported too: vigil also reads UDP, and
  the same single walk of /proc/*/fd gives it. ss sees only its own netns; vigil reads the sockets of every
  container's netns as well, and more per process than ps (cgroup, namespaces, exe, stdio, upper layer).
- Agent: \`${r.agent1k.command.replace(/--metrics-addr \S+/, '--metrics-addr 127.0.0.1:<free>').replace(/--grpc-addr \S+/, '--grpc-addr 127.0.0.1:<free>')}\`, started after the
  load, ready on /readyz, warmed up ${r.settings.agentWarmupS} s, then its utime + stime from /proc/<pid>/stat (all threads,
  10 ms ticks) over the idle window, and VmRSS from /proc/<pid>/status at its end. The same for a second agent at ~5000.
- Scrape: ${r.settings.scrapes} back-to-back GET /metrics on one keep-alive connection, ${r.settings.scrapeRounds} rounds after 3 warm-up scrapes;
  per round (process CPU - idle rate x round time) / scrapes, median of the rounds. node_exporter:
  \`${r.nodeExporterCommand.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<free>')}\` (Debian's package, default collectors), idle rate measured
  over ${r.nodeExporterIdle.seconds.toFixed(0)} s, scraped the same way in the same run.
- The machine is shared with other work: CPU numbers carry its noise; nothing here is asserted by tests.
`;
}
