export {
  DEFAULT_FS_TYPES_EXCLUDE,
  DEFAULT_MOUNT_POINTS_EXCLUDE,
  DEFAULT_NODE_COLLECTOR_CONFIG,
  type NodeCollectorConfig,
} from './config.js';
export { createNodeCollector, type NodeCollector, type NodeCollectorIo } from './collector.js';
export { NodeCollectorError, type NodeErrorCode } from './errors.js';
export { FilesystemScanner, type StatfsFn, type StatfsResult } from './filesystems.js';
export { createSystemInventory, systemInventory, type InventoryFn, type NodeInventory } from './inventory.js';
export { parseLoadavg, parseMeminfo } from './meminfo-loadavg.js';
export { filterMounts, parseMountinfo, readHostMounts, type MountEntry } from './mountinfo.js';
export { CpuClamp, parseProcStat, type RawCpuTicks } from './proc-stat.js';
export { parsePsi, readPsi } from './psi.js';
export {
  CPU_MODES,
  type CpuMode,
  type CpuModeSeconds,
  type CpuSample,
  type CpuTimes,
  type FilesystemSample,
  type LoadSample,
  type MemorySample,
  type NodeSample,
  type PsiLine,
  type PsiResource,
  type PsiSample,
} from './sample.js';
