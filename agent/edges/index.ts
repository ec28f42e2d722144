export { createEdgeTracker, type EdgeTracker, type EdgeTrackerConfig, type EdgeLookups, type AddressOwnerLike } from './tracker.js';
export {
  createBaseline,
  DEFAULT_LEARNING_WINDOW_MS,
  DEFAULT_MAX_EDGES,
  DEFAULT_PERSIST_INTERVAL_MS,
  type Baseline,
  type BaselineConfig,
  type Verdict,
} from './baseline.js';
export { baselineProblem, type BaselineEdge, type BaselineFile } from './baseline-file.js';
export {
  addressIdentity,
  edgeKey,
  HOST,
  identityOfContainerInfo,
  ownIdentity,
  peerIdentity,
  podIdentity,
  stableLabels,
  type Identity,
  type IdentityKind,
} from './identity.js';
export { cidrContains, parseCidr, type Cidr } from './cidr.js';
export { toNetworkPolicies, renderNetworkPolicyYaml, type ExportResult, type NetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort } from './export.js';
export { run as runBaselineCli, DEFAULT_BASELINE_PATH, type BaselineCliIo } from './cli.js';
export { BaselineLoadError, BaselineWriteError, EdgeConfigError, type EdgeErrorCode } from './errors.js';
