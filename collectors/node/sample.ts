/** What one node sample holds. Plain data: loggable, serializable, diffable. */

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/** Seconds per mode since boot, clamped so that no value ever goes backwards. */
export type CpuModeSeconds = Readonly<Record<CpuMode, number>>;

export interface CpuTimes {
  /** "0", "1", ... as in node_cpu_seconds_total{cpu}. */
  readonly cpu: string;
  readonly seconds: CpuModeSeconds;
}

export interface CpuSample {
  readonly perCpu: readonly CpuTimes[];
  /** The aggregate "cpu" line of /proc/stat, clamped on its own. */
  readonly total: CpuModeSeconds;
  /**
   * Share of each mode in the time elapsed since the previous sample, from
   * the aggregate line (sums to 1). Absent on the first sample or when no
   * time was accounted in between. This is what an iowait rule looks at.
   */
  readonly interval?: {
    /** CPU-seconds accounted on all cpus together since the previous sample. */
    readonly cpuSeconds: number;
    readonly ratio: CpuModeSeconds;
  };
}

export interface PsiLine {
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
  /** The kernel's `total` (microseconds) in seconds. */
  readonly totalSeconds: number;
}

export interface PsiResource {
  readonly some?: PsiLine;
  /** Absent for cpu on kernels before 5.13 (no "full" line). */
  readonly full?: PsiLine;
}

export interface PsiSample {
  readonly cpu?: PsiResource;
  readonly io?: PsiResource;
  readonly memory?: PsiResource;
}

export interface FilesystemSample {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly sizeBytes: number;
  readonly availBytes: number;
  readonly freeBytes: number;
  readonly files: number;
  readonly filesFree: number;
  /** From the mount and superblock options ("ro" in either), like node_exporter. */
  readonly readonly: boolean;
  /** statfs failed or is stuck: the size fields are 0 and must not be used. */
  readonly deviceError: boolean;
  /** Why deviceError is set: an errno code, 'timeout' (this scan's call timed out), 'stuck' (an earlier call still hangs), or 'stuck-limit' (see FilesystemScanner). */
  readonly errorReason?: string;
  /**
   * Used share as df prints it: used / (used + avail) with used = size - free
   * (root's reserved blocks count as unavailable). Absent on deviceError or size 0.
   */
  readonly usedRatio?: number;
}

export interface MemorySample {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

export interface LoadSample {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export interface NodeSample {
  /** Wall clock (ms since the epoch) when the sample was taken. */
  readonly timeMs: number;
  readonly cpu: CpuSample;
  /** Absent when the kernel has no /proc/pressure (PSI not built or disabled). */
  readonly psi?: PsiSample;
  readonly filesystems: readonly FilesystemSample[];
  readonly memory?: MemorySample;
  readonly load?: LoadSample;
}
