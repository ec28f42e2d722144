export {
  createContainerCollector,
  type ContainerChange,
  type ContainerCollector,
  type ContainerCollectorConfig,
} from './collector.js';
export { containerFromProcCgroup, parseContainerCgroupPath, type ParsedCgroupPath } from './parse-path.js';
export { detectCgroupLayout, type CgroupLayout, type V1Controller } from './layout.js';
export { CgroupTreeWatcher, type TreeWatcherEvents, type TreeWatcherOptions } from './tree-watcher.js';
export {
  readContainerStats,
  readNetDev,
  readPids,
  statPathsFor,
  type ContainerStatPaths,
  type ContainerStats,
  type StatsProblem,
} from './stats.js';
export {
  parseBlkioServiceBytes,
  parseFlatKeyed,
  parseIoStat,
  parseNetDev,
  parsePartitions,
  parsePids,
  parseUint,
  type DeviceIo,
  type InterfaceStats,
} from './parse-stats.js';
export { CONTAINER_LABELS, CONTAINER_METRIC_NAMES, registerContainerMetrics, type ContainerLabels, type ContainerSample } from './metrics.js';
export { CgroupError, type CgroupErrorCode } from './errors.js';
