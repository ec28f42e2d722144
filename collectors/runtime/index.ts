export {
  createDockerRuntime,
  DOCKER_RUNTIME_DEFAULTS,
  type DockerRuntime,
  type DockerRuntimeConfig,
  type InspectResult,
  type RuntimeContainerDetails,
} from './docker.js';
export { RuntimeError, isConnectionError, type RuntimeErrorCode } from './errors.js';
