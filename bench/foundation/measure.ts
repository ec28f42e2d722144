import { cpuMsOf, rssBytesOf } from './proc-stat.js';
import { httpGet, type Daemon } from './daemons.js';
import { median, sleep } from './stats.js';

export interface IdleCpu {
  readonly seconds: number;
  readonly cpuMs: number;
  /** CPU ms per wall ms (1 = one full core). */
  readonly rate: number;
  readonly percentOfCore: number;
  readonly rssBytes: number;
}

/** CPU of `pid` over `seconds` of wall time, from /proc/<pid>/stat (all threads), and its VmRSS at the end. */
export async function idleCpu(pid: number, seconds: number): Promise<IdleCpu> {
  const c0 = cpuMsOf(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpuMs = cpuMsOf(pid) - c0;
  const wallMs = performance.now() - t0;
  const rate = cpuMs / wallMs;
  return { seconds: wallMs / 1000, cpuMs, rate, percentOfCore: rate * 100, rssBytes: rssBytesOf(pid) };
}

export interface ScrapeCost {
  /** Median over rounds of (CPU during the round - idle rate x round time) / scrapes. */
  readonly cpuMsPerScrape: number;
  readonly roundsMsPerScrape: readonly number[];
  readonly wallMsPerScrape: number;
  readonly bodyBytes: number;
  readonly samples: number;
}

/**
 * CPU one /metrics scrape costs `d`: `rounds` rounds of `scrapes` back-to-back
 * GETs on one keep-alive connection (as Prometheus scrapes), the process's
 * CPU over each round minus what it would have used idling for as long.
 */
export async function scrapeCost(d: Daemon, idleRate: number, scrapes: number, rounds: number): Promise<ScrapeCost> {
  const url = `http://127.0.0.1:${d.port}/metrics`;
  let body = '';
  for (let i = 0; i < 3; i++) body = (await httpGet(url)).body; // warm-up (first-scrape allocations, JIT)
  const per: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await sleep(1000);
    const c0 = cpuMsOf(d.pid);
    const t0 = performance.now();
    for (let i = 0; i < scrapes; i++) {
      const res = await httpGet(url);
      if (res.status !== 200) throw new Error(`${d.name} /metrics answered ${res.status}`);
    }
    const wallMs = performance.now() - t0;
    const cpuMs = cpuMsOf(d.pid) - c0;
    per.push(Math.max(0, cpuMs - idleRate * wallMs) / scrapes);
    wall.push(wallMs / scrapes);
  }
  return {
    cpuMsPerScrape: median(per),
    roundsMsPerScrape: per,
    wallMsPerScrape: median(wall),
    bodyBytes: Buffer.byteLength(body),
    samples: body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
  };
}

/** What the agent itself reports, to check the setup was seen and to point at hot spots. */
export interface AgentSelfReport {
  readonly containers: number;
  readonly processes: number;
  readonly sockets: number;
  readonly componentErrors: number;
  /** prom-client's nodejs_heap_size_used_bytes / _total_bytes and nodejs_external_memory_bytes. */
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Mean wall ms of a scan half, from vigil_scan_duration_seconds. */
  readonly scanMeanMs: Readonly<Record<string, number>>;
}

/** `containerIds`: the benchmark's own containers, counted when a container_cpu_usage_seconds_total series names one. */
export async function agentSelfReport(d: Daemon, containerIds: readonly string[]): Promise<AgentSelfReport> {
  const { body } = await httpGet(`http://127.0.0.1:${d.port}/metrics`);
  const ids = new Set<string>();
  let processes = 0;
  let sockets = 0;
  let componentErrors = 0;
  let heapUsedBytes = 0;
  let heapTotalBytes = 0;
  let externalBytes = 0;
  const sum: Record<string, number> = {};
  const count: Record<string, number> = {};
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('container_cpu_usage_seconds_total{')) {
      const id = /[{,]id="([^"]*)"/.exec(line)?.[1] ?? '';
      const ours = containerIds.find((c) => c !== '' && id.includes(c));
      if (ours) ids.add(ours);
    } else if (line.startsWith('vigil_processes ')) processes = value;
    else if (line.startsWith('vigil_sockets{')) sockets += value;
    else if (line.startsWith('vigil_component_errors_total{')) componentErrors += value;
    else if (line.startsWith('nodejs_heap_size_used_bytes ')) heapUsedBytes = value;
    else if (line.startsWith('nodejs_heap_size_total_bytes ')) heapTotalBytes = value;
    else if (line.startsWith('nodejs_external_memory_bytes ')) externalBytes = value;
    else {
      const m = /^vigil_scan_duration_seconds_(sum|count)\{table="([^"]+)"\}/.exec(line);
      if (m) (m[1] === 'sum' ? sum : count)[m[2]!] = value;
    }
  }
  const scanMeanMs: Record<string, number> = {};
  for (const t of Object.keys(sum)) scanMeanMs[t] = ((sum[t] ?? 0) / Math.max(1, count[t] ?? 0)) * 1000;
  return { containers: ids.size, processes, sockets, componentErrors, heapUsedBytes, heapTotalBytes, externalBytes, scanMeanMs };
}
