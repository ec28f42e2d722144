export {
  createDockerRuntime,
  DOCKER_RUNTIME_DEFAULTS,
  type DockerRuntime,
  type DockerRuntimeConfig,
} from './docker.js';
export type { InspectResult, MetadataSource, RuntimeContainerDetails, RuntimePodDetails } from './details.js';
export { RuntimeError, isConnectionError, type RuntimeErrorCode } from './errors.js';
export { metadataSourceUpGauge, runtimeUpGauge } from './metrics.js';
// Not the CRI client itself: grpc-js loads only when a CRI runtime is used (cri/source.ts).
export { CRI_SOCKET_CANDIDATES, detectCriSocket } from './cri/detect.js';
export { CRI_RUNTIME_DEFAULTS, createCriRuntime, type CriRuntime, type CriRuntimeConfig } from './cri/source.js';
export { CriError, type CriErrorCode } from './cri/errors.js';
