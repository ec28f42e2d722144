export {
  createDockerRuntime,
  DOCKER_RUNTIME_DEFAULTS,
  type DockerRuntime,
  type DockerRuntimeConfig,
} from './docker.js';
export type { InspectResult, MetadataSource, RuntimeContainerDetails, RuntimePodDetails } from './details.js';
export { RuntimeError, isConnectionError, type RuntimeErrorCode } from './errors.js';
export { metadataSourceUpGauge, runtimeUpGauge } from './metrics.js';
export * from './cri/index.js';
