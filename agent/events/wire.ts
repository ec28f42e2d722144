import type { ContainerInfo, ProcessInfo, SocketInfo } from '../../collectors/model.js';
import type { ErrorReporter } from '../../core/deps.js';
import type { VigilEvent } from '../../rules/event.js';
import type { NodeSample } from '../../collectors/node/index.js';
import type { EventContext } from './context.js';
import { MetricEventBuilder } from './metric-events.js';
import { containerEvent, isEnriched, lifecycleOnFirstSight } from './container-events.js';
import { EnrichmentHold, type HoldOutcome } from './enrichment-hold.js';
import type { PodLookup } from './enrich.js';
import { sameImage } from '../../collectors/exec/index.js';
import { DupMemory, dupEvents, searchesRelays } from './dup-events.js';
import { execveEvent, processKey, procexitEvent, stdioMayReachNetwork } from './process-events.js';
import { listeningIndex, socketEvents, type ListeningIndex } from './socket-events.js';

/**
 * The collectors as the event layer sees them. Structural on purpose: the
 * event layer needs only these few calls, and tests can drive it with plain
 * objects instead of live collectors.
 */
export interface ScanResult {
  readonly processes: { readonly added: readonly ProcessInfo[]; readonly removed: readonly ProcessInfo[]; readonly changed: readonly ProcessInfo[] };
  readonly sockets: { readonly added: readonly SocketInfo[]; readonly removed: readonly SocketInfo[] };
}
export interface HostScannerLike {
  onScan(listener: (r: ScanResult) => void): () => void;
  scanNow(): void;
  readonly processes: { get(pid: number): ProcessInfo | undefined; upsert(p: ProcessInfo): void; list(): Iterable<ProcessInfo> };
  readonly sockets: { list(): Iterable<SocketInfo>; byInode(inode: number): SocketInfo | undefined };
}
export interface ContainersLike {
  get(id: string): ContainerInfo | undefined;
  list(): readonly ContainerInfo[];
  onChange(listener: (c: { kind: 'added' | 'removed' | 'updated'; container: ContainerInfo }) => void): () => void;
}
export type ExecEventLike =
  | { kind: 'exec' | 'inspect'; pid: number; timeMs: number; process: ProcessInfo }
  | { kind: 'exit'; pid: number; timeMs: number }
  | { kind: 'fork'; pid: number; ppid: number; timeMs: number };
export interface ExecWatcherLike {
  onEvent(listener: (e: ExecEventLike) => void): () => void;
}

export interface NodeSamplesLike {
  onSample(listener: (s: NodeSample) => void): () => void;
}

export interface EventSources {
  readonly scanner: HostScannerLike;
  readonly containers?: ContainersLike;
  readonly exec?: ExecWatcherLike;
  readonly node?: NodeSamplesLike;
}

/** At most this often a fresh shell may ask for a scan out of schedule (p99 detection target: 500 ms). */
const OUT_OF_SCHEDULE_SCAN_SPACING_MS = 200;

export interface EventWiringConfig {
  readonly hostname: string;
  readonly procRoot: string;
  /** How long a fresh shell keeps being checked for a network-bound stdio. */
  readonly pendingInspectionMs: number;
  /** How long a container may wait for runtime enrichment before its event goes out bare. */
  readonly enrichmentWaitMs: number;
  /** The window of the filesystem fill-rate fit behind fs.predict_full_seconds. */
  readonly fsPredictWindowMs: number;
  /** This node's pods from the Kubernetes API, when there is one. */
  readonly pods?: PodLookup;
  /** Counts events that waited for metadata, by outcome. */
  readonly onHold?: (outcome: HoldOutcome, events: number) => void;
}

/**
 * Turns collector observations into engine events. Returns the function that
 * unsubscribes everything. Every listener is guarded: one bad record is
 * counted and logged, never thrown into a collector.
 */
export function wireEvents(
  sources: EventSources,
  sink: (e: VigilEvent) => void,
  errors: ErrorReporter,
  cfg: EventWiringConfig,
): () => void {
  const { scanner, containers, exec } = sources;
  const hold = new EnrichmentHold(sink, cfg.enrichmentWaitMs, cfg.pods, cfg.onHold);
  const emit = containers ? (e: VigilEvent): void => hold.push(e) : sink;
  /**
   * The container each network namespace belongs to (the first container
   * process seen in it: a pod's pause container), for sockets without an
   * owner. Rebuilt from the process table when processes come or go, because
   * the kernel hands a freed netns's inode number to the next netns: an
   * entry kept past its container would name the previous pod.
   */
  const netnsContainer = new Map<number, string>();
  const noteNetnsContainer = (p: ProcessInfo): void => {
    if (p.containerId === undefined) return;
    const known = netnsContainer.get(p.netns);
    if (known === undefined || (containers !== undefined && containers.get(known) === undefined)) netnsContainer.set(p.netns, p.containerId);
  };
  const rebuildNetnsContainers = (): void => {
    netnsContainer.clear();
    for (const p of scanner.processes.list()) if (p.containerId !== undefined && !netnsContainer.has(p.netns)) netnsContainer.set(p.netns, p.containerId);
  };
  const socketsByNetns = new Map<number, SocketInfo[]>();
  let listening: ListeningIndex = new Map();
  const memory = new DupMemory();
  /** Per live process (pid + start), the program image its last execve event was for. */
  const emittedExec = new Map<string, ProcessInfo>();
  /** Fresh shells whose socket may not be in the table yet: re-checked on the next scans. */
  const pending = new Map<string, { pid: number; until: number }>();

  const ctx: EventContext = {
    hostname: cfg.hostname,
    procRoot: cfg.procRoot,
    now: () => Date.now(),
    process: (pid) => scanner.processes.get(pid),
    container: (id) => containers?.get(id),
    containerOfNetns: (netns) => netnsContainer.get(netns),
    socketByInode: (inode) => scanner.sockets.byInode(inode),
    socketsInNetns: (netns) => socketsByNetns.get(netns) ?? [],
    ...(cfg.pods ? { pod: cfg.pods } : {}),
  };

  const guard = <A extends unknown[]>(stage: string, fn: (...args: A) => void) => (...args: A): void => {
    try {
      fn(...args);
    } catch (err) {
      errors.report('events', stage, err);
    }
  };

  const emitAll = (events: readonly VigilEvent[]): void => {
    for (const e of events) emit(e);
  };

  const checkStdio = (p: ProcessInfo): boolean => {
    const events = dupEvents(p, ctx, listening, memory);
    emitAll(events);
    return events.length > 0;
  };

  // Processes running before the agent started are not new executions (Falco
  // would not have seen their execve either), but their stdio is still checked:
  // a reverse shell that predates the agent must not go unnoticed.
  let baselineScan = true;

  const onProcessSeen = (p: ProcessInfo, fromExec: boolean): void => {
    noteNetnsContainer(p);
    const key = processKey(p);
    const last = emittedExec.get(key);
    // An exec in place (runc init -> the exec'd shell, nc -e -> sh) keeps pid
    // and start time: a new program image is a new execve, as in Falco.
    if (!last || !sameImage(last, p)) {
      emittedExec.set(key, p);
      if (fromExec || !baselineScan || last) emit(execveEvent(p, ctx));
    }
    if (!stdioMayReachNetwork(p)) return;
    const found = checkStdio(p);
    if (!found && fromExec && searchesRelays(p)) {
      pending.set(key, { pid: p.pid, until: Date.now() + cfg.pendingInspectionMs });
      requestScan();
    }
  };

  // Out-of-schedule scans for fresh shells, coalesced and spaced: a burst of
  // shell execs (probes, CI jobs) costs one scan per spacing, not one each.
  let scanTimer: NodeJS.Timeout | undefined;
  let nextScanAtMs = 0;
  const requestScan = (): void => {
    if (scanTimer) return;
    scanTimer = setTimeout(() => {
      scanTimer = undefined;
      nextScanAtMs = Date.now() + OUT_OF_SCHEDULE_SCAN_SPACING_MS;
      scanner.scanNow();
    }, Math.max(0, nextScanAtMs - Date.now()));
    scanTimer.unref();
  };

  const onProcessGone = (p: ProcessInfo): void => {
    const key = processKey(p);
    memory.forget(p);
    pending.delete(key);
    if (emittedExec.delete(key)) emit(procexitEvent(p, ctx));
  };

  const unsubscribe: Array<() => void> = [];

  unsubscribe.push(
    scanner.onScan(
      guard('scan', (r: ScanResult) => {
        socketsByNetns.clear();
        for (const s of scanner.sockets.list()) {
          const list = socketsByNetns.get(s.netns);
          if (list) list.push(s);
          else socketsByNetns.set(s.netns, [s]);
        }
        listening = listeningIndex(scanner.sockets.list());
        if (r.processes.added.length > 0 || r.processes.removed.length > 0) rebuildNetnsContainers();
        for (const p of r.processes.added) onProcessSeen(p, false);
        emitAll(socketEvents(r.sockets.added, listening, ctx));
        for (const p of r.processes.changed) if (stdioMayReachNetwork(p)) checkStdio(p);
        for (const p of r.processes.removed) onProcessGone(p);
        baselineScan = false;
        const now = Date.now();
        for (const [key, entry] of pending) {
          const p = scanner.processes.get(entry.pid);
          if (!p || processKey(p) !== key || now > entry.until || checkStdio(p)) pending.delete(key);
        }
      }),
    ),
  );

  if (exec) {
    unsubscribe.push(
      exec.onEvent(
        guard('exec', (e: ExecEventLike) => {
          if (e.kind === 'exec' || e.kind === 'inspect') {
            scanner.processes.upsert(e.process);
            onProcessSeen(e.process, true);
          } else if (e.kind === 'exit') {
            const p = scanner.processes.get(e.pid);
            if (p) onProcessGone(p);
          }
        }),
      ),
    );
  }

  if (sources.node) {
    const metrics = new MetricEventBuilder(cfg.hostname, cfg.fsPredictWindowMs);
    unsubscribe.push(sources.node.onSample(guard('metrics', (sample: NodeSample) => emitAll(metrics.build(sample)))));
  }

  if (containers) {
    const announced = new Set<string>();
    const timers = new Map<string, NodeJS.Timeout>();
    const wiredAtMs = Date.now();
    const announce = (c: ContainerInfo): void => {
      if (announced.has(c.id)) return;
      announced.add(c.id);
      clearTimeout(timers.get(c.id));
      timers.delete(c.id);
      emit(containerEvent(c, lifecycleOnFirstSight(c, wiredAtMs), ctx));
    };
    unsubscribe.push(
      containers.onChange(
        guard('container', ({ kind, container }) => {
          if (kind === 'removed') {
            hold.removed(container.id);
            clearTimeout(timers.get(container.id));
            timers.delete(container.id);
            if (announced.delete(container.id)) emit(containerEvent(container, 'stopped', ctx));
            return;
          }
          if (isEnriched(container)) {
            announce(container);
            hold.enriched(container);
          }
          else if (!timers.has(container.id) && !announced.has(container.id)) {
            // The runtime may be down: announce what the cgroup told us rather than nothing.
            const timer = setTimeout(
              guard('container', () => announce(containers.get(container.id) ?? container)),
              cfg.enrichmentWaitMs,
            );
            timer.unref();
            timers.set(container.id, timer);
          }
        }),
      ),
    );
    unsubscribe.push(() => {
      for (const t of timers.values()) clearTimeout(t);
      hold.close();
    });
  }

  return () => {
    clearTimeout(scanTimer);
    for (const u of unsubscribe) u();
  };
}
