import { describe, expect, it } from 'vitest';
import { SlidingLinearFit } from '../../../../agent/events/linear-fit.js';

describe('SlidingLinearFit', () => {
  it('predicts the time to zero of a steadily falling series', () => {
    const fit = new SlidingLinearFit(60_000);
    // 1000 bytes free, falling 10 bytes/s.
    for (let s = 0; s <= 60; s += 5) fit.add(s * 1000, 1000 - 10 * s);
    expect(fit.slopePerSecond()).toBeCloseTo(-10, 6);
    expect(fit.secondsUntilZero()).toBeCloseTo(40, 6);
  });

  it('says nothing for a flat or rising series, or too few points', () => {
    const fit = new SlidingLinearFit(60_000);
    fit.add(0, 5);
    fit.add(30_000, 5);
    expect(fit.secondsUntilZero()).toBeUndefined();
    fit.add(60_000, 5);
    expect(fit.secondsUntilZero()).toBeUndefined();
    fit.add(61_000, 50);
    expect(fit.secondsUntilZero()).toBeUndefined();
  });

  it('forgets points older than the window and ignores time going backwards', () => {
    const fit = new SlidingLinearFit(10_000);
    for (let s = 0; s <= 100; s++) fit.add(s * 1000, s < 50 ? 1_000_000 : 1000 - 10 * (s - 50));
    fit.add(20_000, 0);
    // Only the last 10 s (the steady fall) are in the fit.
    expect(fit.slopePerSecond()).toBeCloseTo(-10, 6);
    expect(fit.secondsUntilZero()).toBeCloseTo(50, 6);
  });
});
