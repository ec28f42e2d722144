import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePsi, readPsi } from '../../../../collectors/node/index.js';
import { FIXTURES } from './helpers.js';

describe('parsePsi', () => {
  it('reads some and full, converting total from microseconds to seconds', () => {
    const r = parsePsi('some avg10=3.07 avg60=0.90 avg300=1.39 total=12000695\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
    expect(r.some).toEqual({ avg10: 3.07, avg60: 0.9, avg300: 1.39, totalSeconds: 12.000695 });
    expect(r.full).toEqual({ avg10: 0, avg60: 0, avg300: 0, totalSeconds: 0 });
  });

  it('has no full line for cpu on kernels before 5.13', () => {
    const r = parsePsi('some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n');
    expect(r.full).toBeUndefined();
    expect(r.some?.totalSeconds).toBe(0.000005);
  });
});

describe('readPsi', () => {
  it('reads the three resources from a fixture /proc', async () => {
    const psi = await readPsi(join(FIXTURES, 'node/proc'));
    expect(psi?.io?.full?.totalSeconds).toBe(1.499347);
    expect(psi?.memory?.some?.totalSeconds).toBe(0.00025);
    expect(psi?.cpu?.some?.avg10).toBe(3.07);
  });

  it('returns undefined, not an error, when /proc/pressure is missing', async () => {
    await expect(readPsi(join(FIXTURES, 'node-nopsi/proc'))).resolves.toBeUndefined();
  });
});
