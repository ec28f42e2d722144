/**
 * The cheap part of a node sample: /proc/stat, /proc/pressure/*,
 * /proc/meminfo, /proc/loadavg (four small files, well under a millisecond).
 * Used by the sampler and again at scrape time so counters are fresh; both
 * paths share one CpuClamp so the exported series stay monotonic.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorReporter } from '../../core/deps.js';
import { parseLoadavg, parseMeminfo } from './meminfo-loadavg.js';
import { type CpuClamp, clampAll, parseProcStat, type ClampedCpu } from './proc-stat.js';
import { readPsi } from './psi.js';
import type { LoadSample, MemorySample, PsiSample } from './sample.js';

export const COMPONENT = 'node';

export interface ProcReading {
  readonly cpu: ClampedCpu;
  readonly psi?: PsiSample;
  readonly memory?: MemorySample;
  readonly load?: LoadSample;
}

export class ProcReader {
  private inFlight: Promise<ProcReading> | undefined;

  constructor(
    private readonly procRoot: string,
    readonly clamp: CpuClamp,
    private readonly errors: ErrorReporter,
  ) {}

  /**
   * Joins a read already in flight: one scrape asks from several metric
   * families at once and they should see the same numbers.
   */
  read(): Promise<ProcReading> {
    if (!this.inFlight) {
      this.inFlight = this.readNow().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async readNow(): Promise<ProcReading> {
    const [stat, psi, meminfo, loadavg] = await Promise.all([
      this.guard('stat', () => readFile(join(this.procRoot, 'stat'), 'utf8')),
      this.guard('pressure', () => readPsi(this.procRoot)),
      this.guard('meminfo', () => readFile(join(this.procRoot, 'meminfo'), 'utf8')),
      this.guard('loadavg', () => readFile(join(this.procRoot, 'loadavg'), 'utf8')),
    ]);
    const cpu = stat === undefined ? { perCpu: [], total: undefined } : clampAll(parseProcStat(stat), this.clamp);
    const memory = meminfo === undefined ? undefined : parseMeminfo(meminfo);
    const load = loadavg === undefined ? undefined : parseLoadavg(loadavg);
    const out: { cpu: ClampedCpu; psi?: PsiSample; memory?: MemorySample; load?: LoadSample } = { cpu };
    if (psi) out.psi = psi;
    if (memory) out.memory = memory;
    if (load) out.load = load;
    return out;
  }

  private async guard<T>(stage: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.errors.report(COMPONENT, stage, err);
      return undefined;
    }
  }
}
