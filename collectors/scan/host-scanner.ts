import type { Registry } from 'prom-client';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { createSocketTable, type OpenedElsewhere, type PrefetchedTcp, type SocketScan, type SocketTable } from '../netfs/index.js';
import { openSockDiag, type SockDiag } from '../netfs/sock-diag-socket.js';
import { createProcessTable, type ProcessScan, type ProcessTable, type ProcessTableConfig } from '../procfs/table.js';
import { counter, gauge, histogram } from '../../core/metrics.js';

export interface HostScanResult {
  readonly processes: ProcessScan;
  readonly sockets: SocketScan;
}

export interface HostScanner extends Component {
  /** Called after every scan (the first one is the cold scan: everything is `added`). */
  onScan(listener: (r: HostScanResult) => void): () => void;
  readonly processes: ProcessTable;
  readonly sockets: SocketTable;
  /**
   * Runs one scan now, synchronously, and notifies the listeners. Out of
   * schedule: the agent's own netns's TCP tables come from /proc (gated), not
   * from a sock_diag dump.
   */
  scanNow(): void;
  /** One scan as the schedule runs it: the sock_diag dump (when enabled), then scanNow's work. */
  scan(): Promise<void>;
}

/** See ProcessTableConfig for stdioYoungMs and statVerifyMs (what each scan checks). */
export interface HostScannerConfig extends ProcessTableConfig {
  readonly scanIntervalMs: number;
  /** Forced re-read period of a netns's TCP tables, in scans (see SocketTableConfig). */
  readonly tcpFullReadEvery?: number;
  /**
   * Dump the TCP sockets of the agent's own netns over NETLINK_SOCK_DIAG
   * before each scheduled scan instead of reading its /proc/<pid>/net/tcp{,6}
   * (far less CPU: bench/RESULTS.md, unit costs). Used only when
   * procRoot shows the agent's own netns (so never with a fixture tree).
   */
  readonly sockDiag?: boolean;
  /** TCP connections another source saw per netns (SocketTableConfig.openedElsewhere). */
  readonly openedElsewhere?: (netns: number) => readonly OpenedElsewhere[];
}

/**
 * Scans processes then sockets every scanIntervalMs. Scans are synchronous
 * (sync fs calls cost a fraction of the async ones' CPU for thousands of
 * tiny /proc reads) and chained with setTimeout, so they never overlap; the
 * one asynchronous step is the sock_diag dump that comes before a scheduled
 * scan. A scan never throws out of here (failures go to deps.errors), and
 * the timer is unref'd so it never keeps the process alive. If sock_diag
 * cannot be opened (no netlink binding, an old kernel) the scanner says so
 * once in the log and reads /proc for every netns.
 */
export function createHostScanner(deps: CollectorDeps, cfg: HostScannerConfig): HostScanner {
  // Long-lived plain processes are verified every 4 scan intervals unless told otherwise.
  const processes = createProcessTable(deps, { ...cfg, statVerifyMs: cfg.statVerifyMs ?? 4 * cfg.scanIntervalMs });
  const sockets = createSocketTable(deps, {
    procRoot: cfg.procRoot,
    ...(cfg.tcpFullReadEvery !== undefined ? { tcpFullReadEvery: cfg.tcpFullReadEvery } : {}),
    ...(cfg.openedElsewhere ? { openedElsewhere: cfg.openedElsewhere } : {}),
  });
  const listeners = new Set<(r: HostScanResult) => void>();
  const metrics = registerMetrics(deps.registry);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let scanning = false;
  let diag: Promise<SockDiag | undefined> | undefined;

  function openDiag(): Promise<SockDiag | undefined> {
    diag ??= openSockDiag(cfg.procRoot).then(
      (d) => {
        deps.log.info({ netns: d.netns }, "TCP sockets of the agent's netns: NETLINK_SOCK_DIAG; other namespaces: /proc");
        return d;
      },
      (err: unknown) => {
        deps.log.warn({ err }, 'NETLINK_SOCK_DIAG unavailable: TCP sockets are read from /proc for every netns');
        return undefined;
      },
    );
    return diag;
  }

  async function prefetchTcp(): Promise<PrefetchedTcp | undefined> {
    if (!cfg.sockDiag) return undefined;
    const d = await openDiag();
    if (!d) return undefined;
    try {
      return { netns: d.netns, rows: await d.dumpTcp() };
    } catch (err) {
      if (!stopped) deps.errors.report('netfs', 'diag', err);
      return undefined; // this scan reads /proc instead
    }
  }

  async function scan(): Promise<void> {
    const tcp = await prefetchTcp();
    if (!stopped) runScan(tcp);
  }

  function scanNow(): void {
    runScan(undefined);
  }

  function runScan(tcp: PrefetchedTcp | undefined): void {
    if (scanning) return; // a listener calling scanNow re-entrantly
    scanning = true;
    try {
      const p = processes.scan();
      const s = sockets.scan(processes, tcp);
      metrics.duration.observe({ table: 'processes' }, p.durationMs / 1000);
      metrics.duration.observe({ table: 'sockets' }, s.durationMs / 1000);
      metrics.unobserved.inc(s.unobservedOpens);
      updateGauges();
      for (const l of listeners) {
        try {
          l({ processes: p, sockets: s });
        } catch (err) {
          deps.errors.report('host-scanner', 'listener', err);
        }
      }
    } catch (err) {
      deps.errors.report('host-scanner', 'scan', err);
    } finally {
      scanning = false;
    }
  }

  function updateGauges(): void {
    let n = 0;
    for (const _ of processes.list()) n++;
    metrics.processes.set(n);
    const counts = new Map<string, number>();
    for (const s of sockets.list()) {
      const key = `${s.proto}\0${s.state}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    metrics.sockets.reset();
    for (const [key, v] of counts) {
      const [proto, state] = key.split('\0') as [string, string];
      metrics.sockets.set({ proto, state }, v);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void scan().then(schedule);
    }, cfg.scanIntervalMs);
    timer.unref();
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    (await diag)?.close();
  }

  return {
    name: 'host-scanner',
    processes,
    sockets,
    scanNow,
    scan,
    onScan(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start(signal) {
      if (stopped || signal.aborted) return;
      signal.addEventListener('abort', () => void stop(), { once: true });
      await scan();
      schedule();
    },
    stop,
  };
}

function registerMetrics(registry: Registry) {
  const duration = histogram(registry, {
    name: 'vigil_scan_duration_seconds',
    help: 'Wall time of one /proc scan, by table (processes, sockets).',
    labelNames: ['table'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const processes = gauge(registry, { name: 'vigil_processes', help: 'Processes in the process table after the last scan.' });
  const sockets = gauge(registry, {
    name: 'vigil_sockets',
    help: 'TCP/UDP sockets in the socket table after the last scan, by proto and state.',
    labelNames: ['proto', 'state'],
  });
  const unobserved = counter(registry, {
    name: 'vigil_tcp_connections_unobserved_total',
    help: 'TCP connections opened (connect or accept, per the netns counters) and gone between two socket scans: no row, no owner, no pod-connection edge.',
  });
  return { duration, processes, sockets, unobserved };
}
