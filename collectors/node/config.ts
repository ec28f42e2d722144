/**
 * Configuration slice of the node collector. Plain frozen data: the agent's
 * config layer builds it; this module never reads the environment.
 */

/**
 * node_exporter's default `--collector.filesystem.mount-points-exclude`
 * (collector/filesystem_linux.go, defMountPointsExcluded). Note that Debian's
 * prometheus-node-exporter package patches its own default to also hide
 * /run, /mnt and /media; we follow upstream.
 */
export const DEFAULT_MOUNT_POINTS_EXCLUDE = /^\/(dev|proc|run\/credentials\/.+|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

/**
 * node_exporter's default `--collector.filesystem.fs-types-exclude`
 * (defFSTypesExcluded, current upstream: includes erofs, added after 1.5).
 */
export const DEFAULT_FS_TYPES_EXCLUDE =
  /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$/;

export interface NodeCollectorConfig {
  /** Where the host's /proc is visible (`/host/proc` in a DaemonSet). */
  readonly procRoot: string;
  /** Where the host's / is visible; statfs goes to hostRoot + mountpoint (node_exporter --path.rootfs). */
  readonly hostRoot: string;
  /** A statfs slower than this marks its mount stuck (node_filesystem_device_error 1). */
  readonly statfsTimeoutMs: number;
  /** Period of the sampler; samples never overlap. */
  readonly sampleIntervalMs: number;
  /** USER_HZ of /proc/stat. 100 on every mainstream Linux build; node cannot call sysconf. */
  readonly clockTicksPerSecond: number;
  readonly mountPointsExclude: RegExp;
  readonly fsTypesExclude: RegExp;
  /** How long start() waits for the node inventory before resolving anyway. */
  readonly inventoryWaitMs?: number;
}

export const DEFAULT_NODE_COLLECTOR_CONFIG: NodeCollectorConfig = Object.freeze({
  procRoot: '/proc',
  hostRoot: '/',
  statfsTimeoutMs: 5_000,
  sampleIntervalMs: 15_000,
  clockTicksPerSecond: 100,
  mountPointsExclude: DEFAULT_MOUNT_POINTS_EXCLUDE,
  fsTypesExclude: DEFAULT_FS_TYPES_EXCLUDE,
  inventoryWaitMs: 2_000,
});

/**
 * RegExp.test with the g or y flag is stateful (lastIndex), which would make a
 * mount alternate between included and excluded: strip those flags.
 */
export function statelessRegExp(re: RegExp): RegExp {
  if (!re.global && !re.sticky) return re;
  return new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
}
