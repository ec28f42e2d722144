/**
 * Least-squares line over a sliding time window, the same estimate as
 * Prometheus's predict_linear(): used to say when a filesystem will be full
 * at its recent fill rate. Times are ms; the fit is done relative to the
 * newest point to keep the sums well conditioned.
 */
export class SlidingLinearFit {
  private readonly times: number[] = [];
  private readonly values: number[] = [];

  constructor(private readonly windowMs: number) {}

  add(timeMs: number, value: number): void {
    if (this.times.length > 0 && timeMs <= this.times[this.times.length - 1]!) return;
    this.times.push(timeMs);
    this.values.push(value);
    const oldest = timeMs - this.windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! < oldest) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.values.splice(0, drop);
    }
  }

  /** Value change per second; undefined until three points span the window's first quarter. */
  slopePerSecond(): number | undefined {
    const n = this.times.length;
    if (n < 3) return undefined;
    const t0 = this.times[n - 1]!;
    if (t0 - this.times[0]! < this.windowMs / 4) return undefined;
    let st = 0,
      sv = 0,
      stt = 0,
      stv = 0;
    for (let i = 0; i < n; i++) {
      const t = (this.times[i]! - t0) / 1000;
      const v = this.values[i]!;
      st += t;
      sv += v;
      stt += t * t;
      stv += t * v;
    }
    const denominator = n * stt - st * st;
    return denominator === 0 ? undefined : (n * stv - st * sv) / denominator;
  }

  /** Fitted value at the newest point in time. */
  private fittedNow(slope: number): number {
    const n = this.times.length;
    const t0 = this.times[n - 1]!;
    let st = 0,
      sv = 0;
    for (let i = 0; i < n; i++) {
      st += (this.times[i]! - t0) / 1000;
      sv += this.values[i]!;
    }
    return sv / n - slope * (st / n);
  }

  /** Seconds until the fitted line reaches zero; undefined when not falling. */
  secondsUntilZero(): number | undefined {
    const slope = this.slopePerSecond();
    if (slope === undefined || slope >= 0) return undefined;
    return Math.max(0, this.fittedNow(slope) / -slope);
  }
}
