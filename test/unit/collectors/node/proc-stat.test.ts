import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuClamp, parseProcStat } from '../../../../collectors/node/index.js';
import { clampAll, intervalRatios } from '../../../../collectors/node/proc-stat.js';
import { FIXTURES } from './helpers.js';

const STAT = readFileSync(join(FIXTURES, 'node/proc/stat'), 'utf8');

describe('parseProcStat', () => {
  it('reads the aggregate and per-cpu lines in mode order, ignoring other lines', () => {
    const raw = parseProcStat(STAT);
    expect(raw.map((r) => r.cpu)).toEqual(['all', '0', '1']);
    expect(raw[1]?.ticks).toEqual([1888, 4, 1113, 33241, 39, 1, 14, 2]);
  });

  it('treats modes missing on old kernels as 0 and skips junk cpu lines', () => {
    const raw = parseProcStat('cpu0 1 2 3 4\ncpufreq 1 2 3\ncpu1 x 2 3 4 5\n');
    expect(raw).toEqual([
      { cpu: '0', ticks: [1, 2, 3, 4, 0, 0, 0, 0] },
      { cpu: '1', ticks: [0, 2, 3, 4, 5, 0, 0, 0] },
    ]);
  });

  it('converts ticks to seconds with the configured USER_HZ', () => {
    const { perCpu, total } = clampAll(parseProcStat(STAT), new CpuClamp(100));
    expect(perCpu[0]?.seconds).toEqual({
      user: 18.88,
      nice: 0.04,
      system: 11.13,
      idle: 332.41,
      iowait: 0.39,
      irq: 0.01,
      softirq: 0.14,
      steal: 0.02,
    });
    expect(total?.iowait).toBe(2.08);
    const { perCpu: p250 } = clampAll(parseProcStat(STAT), new CpuClamp(250));
    expect(p250[0]?.seconds.user).toBeCloseTo(7.552, 9);
  });
});

describe('CpuClamp', () => {
  it('never lets a counter go backwards (iowait on Linux can decrease)', () => {
    const clamp = new CpuClamp(100);
    const first = clamp.apply({ cpu: '0', ticks: [100, 0, 50, 1000, 40, 0, 0, 0] });
    expect(first.iowait).toBe(0.4);
    // iowait steps back from 40 to 35 ticks: the exported value stays at 0.40 s.
    const second = clamp.apply({ cpu: '0', ticks: [110, 0, 55, 1010, 35, 0, 0, 0] });
    expect(second.iowait).toBe(0.4);
    expect(second.user).toBe(1.1);
    expect(clamp.backwardsSteps).toBe(1);
    // Once the kernel passes the old max again, the value follows it.
    const third = clamp.apply({ cpu: '0', ticks: [120, 0, 60, 1020, 45, 0, 0, 0] });
    expect(third.iowait).toBe(0.45);
  });

  it('keeps state per cpu, so one cpu going back does not affect another', () => {
    const clamp = new CpuClamp(100);
    clamp.apply({ cpu: '0', ticks: [0, 0, 0, 0, 50, 0, 0, 0] });
    clamp.apply({ cpu: '1', ticks: [0, 0, 0, 0, 10, 0, 0, 0] });
    expect(clamp.apply({ cpu: '1', ticks: [0, 0, 0, 0, 20, 0, 0, 0] }).iowait).toBe(0.2);
    expect(clamp.apply({ cpu: '0', ticks: [0, 0, 0, 0, 30, 0, 0, 0] }).iowait).toBe(0.5);
  });
});

describe('intervalRatios', () => {
  it('gives each mode its share of the cpu time accounted in the interval', () => {
    const z = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
    const r = intervalRatios(z, { ...z, user: 1, idle: 2, iowait: 1 });
    expect(r?.cpuSeconds).toBe(4);
    expect(r?.ratio.iowait).toBe(0.25);
    expect(r?.ratio.idle).toBe(0.5);
    expect(intervalRatios(z, z)).toBeUndefined();
  });
});
