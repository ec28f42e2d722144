export {
  wireEvents,
  type EventSources,
  type EventWiringConfig,
  type HostScannerLike,
  type ContainersLike,
  type ExecWatcherLike,
  type ExecEventLike,
  type ScanResult,
  type NodeSamplesLike,
} from './wire.js';
export { workloadOf, type Workload } from './workload.js';
export { containerFields, k8sFields, procFields, splitImage, type PodLookup } from './enrich.js';
export { socketFd, directionOf, listeningIndex } from './socket-events.js';
export { searchesRelays } from './dup-events.js';
export { MetricEventBuilder } from './metric-events.js';
export { SlidingLinearFit } from './linear-fit.js';
export { AuditedConnections, type RemoteEndpoint } from './audit-connections.js';
export { auditEvent, type AuditContext, type AuditLookups } from './audit-events.js';
export { auditPlanFor, type PlannedRule } from './audit-plan.js';
export { AuditWiring, type AuditSourceLike } from './audit-wiring.js';
