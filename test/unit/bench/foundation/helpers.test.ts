import { describe, expect, it } from 'vitest';
import { childrenCpuMs } from '../../../../bench/foundation/baseline.js';
import { Cleanup } from '../../../../bench/foundation/cleanup.js';
import { statCpuMs } from '../../../../bench/foundation/proc-stat.js';
import { median, percentile } from '../../../../bench/foundation/stats.js';

describe('statCpuMs', () => {
  it('sums utime and stime (fields 14, 15) in 10 ms ticks, whatever comm holds', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[11] = '250'; // utime (field 14)
    fields[12] = '17'; // stime (field 15)
    const line = `4242 (we ird) (name) ${fields.join(' ')}\n`;
    expect(statCpuMs(line)).toBe(2670);
  });

  it('rejects a truncated line instead of returning garbage', () => {
    expect(() => statCpuMs('1 (x) S 0 1')).toThrow(/malformed/);
  });
});

describe('childrenCpuMs', () => {
  it("reads the children's line of bash's `times` (user + sys)", () => {
    expect(childrenCpuMs('0m0.002s 0m0.001s\n0m0.031s 0m0.017s\n')).toBeCloseTo(48, 6);
    expect(childrenCpuMs('0m0.000s 0m0.000s\n1m2.500s 0m0.250s\n')).toBeCloseTo(62_750, 6);
  });

  it('throws on output it does not understand', () => {
    expect(() => childrenCpuMs('real 0.1\n')).toThrow(/cannot parse/);
  });
});

describe('median / percentile', () => {
  it('are order independent and handle even lengths', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(percentile([10, 1, 2, 3, 4, 5, 6, 7, 8, 9], 90)).toBe(9);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });
});

describe('Cleanup', () => {
  it('runs steps newest first, each once, and keeps going after a failing step', () => {
    const c = new Cleanup();
    const order: string[] = [];
    c.add('a', () => order.push('a'));
    const runB = c.add('b', () => order.push('b'));
    c.add('bad', () => {
      throw new Error('boom');
    });
    c.add('d', () => order.push('d'));
    runB();
    runB();
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      c.runAll();
    } finally {
      process.stderr.write = write;
    }
    c.runAll();
    expect(order).toEqual(['b', 'd', 'a']);
  });
});
