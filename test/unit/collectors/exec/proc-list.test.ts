import { afterEach, describe, expect, it } from 'vitest';
import { listPids, PidSet } from '../../../../collectors/exec/proc-list.js';
import { FixtureProc } from './helpers.js';

describe('listPids', () => {
  let fx: FixtureProc | undefined;
  afterEach(() => fx?.dispose());

  it('lists only numeric entries', () => {
    fx = new FixtureProc();
    fx.add(1);
    fx.add(4242);
    expect(listPids(fx.root).sort((a, b) => a - b)).toEqual([1, 4242]);
  });
});

describe('PidSet', () => {
  it('reports added and removed pids between listings', () => {
    const s = new PidSet();
    s.reset([1, 2, 3]);
    expect(s.diff([1, 3, 4, 5])).toEqual({ added: [4, 5], removed: [2] });
    expect(s.diff([1, 3, 4, 5])).toEqual({ added: [], removed: [] });
    expect(s.diff([])).toEqual({ added: [], removed: [1, 3, 4, 5] });
    expect(s.size).toBe(0);
  });

  it('treats pids added by events as known', () => {
    const s = new PidSet();
    s.reset([1]);
    s.add(10);
    expect(s.diff([1, 10, 11])).toEqual({ added: [11], removed: [] });
    s.delete(11);
    expect(s.diff([1, 10])).toEqual({ added: [], removed: [] });
  });
});
