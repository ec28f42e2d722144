/**
 * /proc/stat cpu lines → seconds per mode, and the clamp that keeps every
 * counter monotonic. The kernel's iowait (and, with NO_HZ, idle) can step
 * backwards; a Prometheus counter must not, or rate() sees a reset.
 */
import { CPU_MODES, type CpuMode, type CpuModeSeconds, type CpuTimes } from './sample.js';

export interface RawCpuTicks {
  /** 'all' for the aggregate "cpu" line, else the cpu number. */
  readonly cpu: string;
  /** Ticks in CPU_MODES order. */
  readonly ticks: readonly number[];
}

/** Parses the cpu lines of /proc/stat. Lines with fewer than 4 fields are ignored (very old kernels). */
export function parseProcStat(text: string): RawCpuTicks[] {
  const out: RawCpuTicks[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const fields = line.split(/\s+/);
    const head = fields[0] ?? '';
    const cpu = head === 'cpu' ? 'all' : head.slice(3);
    if (cpu !== 'all' && !/^\d+$/.test(cpu)) continue;
    const ticks: number[] = [];
    for (let i = 0; i < CPU_MODES.length; i++) {
      const v = Number(fields[i + 1]);
      // Kernels before 2.6.11 lack steal etc.: missing modes read as 0.
      ticks.push(Number.isFinite(v) && v >= 0 ? v : 0);
    }
    if (fields.length < 5) continue;
    out.push({ cpu, ticks });
  }
  return out;
}

/**
 * Remembers the largest value seen per (cpu, mode) and never reports less.
 * Shared by the sampler and the scrape path so that both see one monotonic
 * series. An offline cpu keeps its state: when it comes back, it resumes
 * from the max instead of restarting at a lower value.
 */
export class CpuClamp {
  private readonly max = new Map<string, Float64Array>();
  /** How many times a counter went backwards (for tests and debugging). */
  backwardsSteps = 0;

  constructor(private readonly ticksPerSecond: number) {}

  apply(raw: RawCpuTicks): CpuModeSeconds {
    let prev = this.max.get(raw.cpu);
    if (!prev) {
      prev = new Float64Array(CPU_MODES.length).fill(-1);
      this.max.set(raw.cpu, prev);
    }
    const seconds = {} as Record<CpuMode, number>;
    for (let i = 0; i < CPU_MODES.length; i++) {
      const v = raw.ticks[i] ?? 0;
      const p = prev[i] ?? -1;
      if (v < p) this.backwardsSteps++;
      else prev[i] = v;
      seconds[CPU_MODES[i] as CpuMode] = Math.max(v, p) / this.ticksPerSecond;
    }
    return seconds;
  }
}

export interface ClampedCpu {
  readonly perCpu: CpuTimes[];
  readonly total: CpuModeSeconds | undefined;
}

export function clampAll(raw: readonly RawCpuTicks[], clamp: CpuClamp): ClampedCpu {
  const perCpu: CpuTimes[] = [];
  let total: CpuModeSeconds | undefined;
  for (const r of raw) {
    const s = clamp.apply(r);
    if (r.cpu === 'all') total = s;
    else perCpu.push({ cpu: r.cpu, seconds: s });
  }
  return { perCpu, total };
}

/** Share of each mode between two clamped totals; undefined when nothing elapsed. */
export function intervalRatios(prev: CpuModeSeconds, cur: CpuModeSeconds): { cpuSeconds: number; ratio: CpuModeSeconds } | undefined {
  let sum = 0;
  const delta = {} as Record<CpuMode, number>;
  for (const m of CPU_MODES) {
    const d = Math.max(0, cur[m] - prev[m]);
    delta[m] = d;
    sum += d;
  }
  if (sum <= 0) return undefined;
  for (const m of CPU_MODES) delta[m] = delta[m] / sum;
  return { cpuSeconds: sum, ratio: delta };
}
