/**
 * Work written once as a generator that yields between units (a file, a rule),
 * run either to completion at once (start-up, `vigil rules validate`) or
 * cooperatively (hot reload), giving the event loop a turn whenever a slice
 * has run for `sliceMs`, so events keep flowing while rules rebuild.
 */
export type Steps<T> = Generator<void, T, void>;

export interface Cooperative {
  /** Longest run between two turns of the event loop; 0 yields at every step. */
  readonly sliceMs: number;
}

export const DEFAULT_SLICE_MS = 5;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runStepsCooperatively<T>(steps: Steps<T>, coop: Cooperative): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= coop.sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
