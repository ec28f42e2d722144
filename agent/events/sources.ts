import type { ContainerInfo, ProcessInfo, SocketInfo } from '../../collectors/model.js';
import type { NodeSample } from '../../collectors/node/index.js';
import type { ErrorReporter } from '../../core/deps.js';
import type { AuditedConnections } from './audit-connections.js';
import type { AuditSourceLike } from './audit-wiring.js';
import type { PodLookup } from './enrich.js';
import type { HoldOutcome } from './enrichment-hold.js';

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
  /** The kernel audit source, when the agent audits. */
  readonly audit?: AuditSourceLike;
}

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
  /**
   * What the audit source saw of connections, shared with the socket table
   * (HostScannerConfig.openedElsewhere): with it, a scanned socket the audit
   * source already reported is not reported again.
   */
  readonly auditedConnections?: AuditedConnections;
}

/** Wraps a listener so a throw is reported under `events/<stage>`, never thrown into a collector. */
export type Guard = <A extends unknown[]>(stage: string, fn: (...args: A) => void) => (...args: A) => void;

export function guardWith(errors: ErrorReporter): Guard {
  return (stage, fn) =>
    (...args) => {
      try {
        fn(...args);
      } catch (err) {
        errors.report('events', stage, err);
      }
    };
}
