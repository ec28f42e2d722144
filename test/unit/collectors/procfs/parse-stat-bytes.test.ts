import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStat, parseStatBytes } from '../../../../collectors/procfs/parse-stat.js';

const bytes = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  // Inside a bigger buffer with garbage after len, as the shared scratch buffer is.
  const big = Buffer.alloc(b.length + 16, 0x37);
  b.copy(big);
  return { buf: big, len: b.length };
};
const viaBytes = (s: string) => {
  const { buf, len } = bytes(s);
  return parseStatBytes(buf, len);
};
const tail = (ppid: number, tty: number, flags: number, start: number) => `S ${ppid} 42 42 ${tty} -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 100 18446744073709551615 1 2 3\n`;

describe('parseStatBytes', () => {
  it('agrees with parseStat on real stat lines', () => {
    for (const pid of ['self', '1', String(process.ppid)]) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      expect(viaBytes(text)).toEqual(parseStat(text));
      expect(viaBytes(text)?.startTicks).toBeGreaterThan(0);
    }
  });

  it('agrees with parseStat on hostile comms and any field values (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4194304 }),
        fc.string({ maxLength: 15, unit: fc.constantFrom('a', ' ', '(', ')', '\n', 'é', '0', 'x', '-') }),
        fc.integer({ min: 0, max: 4194304 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 2 ** 50 }),
        (pid, comm, ppid, tty, flags, start) => {
          const line = `${pid} (${comm}) ${tail(ppid, tty, flags, start)}`;
          const got = viaBytes(line);
          expect(got).toEqual(parseStat(line));
          expect(got).toMatchObject({ pid, comm, ppid, tty, startTicks: start, kernelThread: (flags & 0x00200000) !== 0 });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('returns undefined on truncated or garbage input', () => {
    for (const s of ['42 (bash) S 1 4', '', 'garbage', '42 (bash)', '42 (bash) ', 'x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20']) {
      expect(viaBytes(s)).toBeUndefined();
    }
  });
});
