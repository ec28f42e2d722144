import type { NodeSample } from '../../collectors/node/index.js';
import type { ErrorReporter } from '../../core/deps.js';
import type { VigilEvent } from '../../rules/event.js';
import type { AuditSyscall } from '../../collectors/audit/types.js';
import { AuditedConnections } from './audit-connections.js';
import { AuditWiring } from './audit-wiring.js';
import { wireContainerEvents } from './container-wiring.js';
import type { EventContext } from './context.js';
import { EnrichmentHold } from './enrichment-hold.js';
import { MetricEventBuilder } from './metric-events.js';
import { NetnsView } from './netns-view.js';
import { ProcessWiring } from './process-wiring.js';
import { socketEvents } from './socket-events.js';
import { type EventSources, type EventWiringConfig, type ExecEventLike, guardWith, type ScanResult } from './sources.js';

export type { ContainersLike, EventSources, EventWiringConfig, ExecEventLike, ExecWatcherLike, HostScannerLike, NodeSamplesLike, ScanResult } from './sources.js';

/**
 * Turns collector observations into engine events, one family per file:
 * processes (execve, procexit, dup: process-wiring.ts), sockets (connect,
 * accept: socket-events.ts), containers (container-wiring.ts) and node
 * samples (metric-events.ts), and the kernel audit source's syscalls
 * (audit-wiring.ts). Returns the function that unsubscribes
 * everything. Every listener is guarded: one bad record is counted and
 * logged, never thrown into a collector.
 */
export function wireEvents(sources: EventSources, sink: (e: VigilEvent) => void, errors: ErrorReporter, cfg: EventWiringConfig): () => void {
  const { scanner, containers, exec } = sources;
  const hold = new EnrichmentHold(sink, cfg.enrichmentWaitMs, cfg.pods, cfg.onHold);
  const emit = containers ? (e: VigilEvent): void => hold.push(e) : sink;
  const netns = new NetnsView((id) => containers === undefined || containers.get(id) !== undefined);
  const ctx: EventContext = {
    hostname: cfg.hostname,
    procRoot: cfg.procRoot,
    now: () => Date.now(),
    process: (pid) => scanner.processes.get(pid),
    container: (id) => containers?.get(id),
    containerOfNetns: (n) => netns.containerOfNetns(n),
    socketByInode: (inode) => scanner.sockets.byInode(inode),
    socketsInNetns: (n) => netns.socketsInNetns(n),
    ...(cfg.pods ? { pod: cfg.pods } : {}),
  };
  const guard = guardWith(errors);
  const processes = new ProcessWiring({ ctx, netns, emit, scanNow: () => scanner.scanNow(), pendingInspectionMs: cfg.pendingInspectionMs });
  const unsubscribe: Array<() => void> = [() => processes.close()];
  const audited = sources.audit ? (cfg.auditedConnections ?? new AuditedConnections()) : undefined;
  const audit = sources.audit && audited ? new AuditWiring({ ctx, emit, connections: audited, onError: (err) => errors.report('events', 'audit', err) }) : undefined;
  if (audit) unsubscribe.push(() => audit.close());
  // With the audit source, connections arrive as they happen; the scan reports only those it missed.
  const unreported = (r: ScanResult) => (audited ? r.sockets.added.filter((s) => s.state === 'LISTEN' || !audited.covered(s)) : r.sockets.added);

  unsubscribe.push(
    scanner.onScan(
      guard('scan', (r: ScanResult) => {
        netns.refresh(scanner.sockets.list(), scanner.processes.list(), r.processes.added.length > 0 || r.processes.removed.length > 0);
        for (const p of r.processes.added) {
          processes.seen(p, false);
          audit?.execSeen(p.pid, p.comm, p.exe);
        }
        for (const e of socketEvents(unreported(r), netns.listening, ctx)) emit(e);
        audited?.sweep();
        for (const p of r.processes.changed) processes.changed(p);
        for (const p of r.processes.removed) processes.gone(p);
        processes.scanDone((pid) => scanner.processes.get(pid));
      }),
    ),
  );

  if (exec) {
    unsubscribe.push(
      exec.onEvent(
        guard('exec', (e: ExecEventLike) => {
          if (e.kind === 'exec' || e.kind === 'inspect') {
            scanner.processes.upsert(e.process);
            audit?.execSeen(e.process.pid, e.process.comm, e.process.exe);
            processes.seen(e.process, true);
          } else if (e.kind === 'exit') {
            const p = scanner.processes.get(e.pid);
            if (p) processes.gone(p);
          }
        }),
      ),
    );
  }

  if (sources.audit && audit) {
    unsubscribe.push(
      sources.audit.onEvent(
        guard('audit', (s: AuditSyscall) => {
          audit.handle(s);
        }),
      ),
    );
  }

  if (sources.node) {
    const metrics = new MetricEventBuilder(cfg.hostname, cfg.fsPredictWindowMs);
    unsubscribe.push(
      sources.node.onSample(
        guard('metrics', (sample: NodeSample) => {
          for (const e of metrics.build(sample)) emit(e);
        }),
      ),
    );
  }

  if (containers) unsubscribe.push(wireContainerEvents(containers, hold, emit, ctx, guard, cfg.enrichmentWaitMs));

  return () => {
    for (const u of unsubscribe) u();
  };
}
