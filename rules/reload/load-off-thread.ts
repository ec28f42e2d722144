import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sensorCatalog } from '../fields/index.js';
import { loadRulePaths, type RulesLoadResult } from '../loader/index.js';

export interface OffThreadLimits {
  /** A load that takes longer is abandoned (the worker is terminated) and counts as failed. */
  readonly timeoutMs: number;
  /** Heap of the loading worker; a load that needs more fails instead of taking the agent's memory. */
  readonly maxHeapMb: number;
}

export const DEFAULT_OFF_THREAD_LIMITS: OffThreadLimits = { timeoutMs: 30_000, maxHeapMb: 256 };

/**
 * Reads, parses and resolves rule files in a worker thread, so a reload
 * never stops the event loop for the YAML parse (most of a load's time; a
 * 1 MiB file took 2.4 s) and a hostile file is bounded in time and heap.
 * Compiling stays on the main thread: compiled rules are functions, which
 * cannot cross threads. From TypeScript sources (unit tests, no built
 * worker file) the load runs inline.
 */
export async function loadRulePathsOffThread(paths: readonly string[], limits: OffThreadLimits = DEFAULT_OFF_THREAD_LIMITS): Promise<RulesLoadResult> {
  const url = new URL('./load-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return loadRulePaths(paths, { catalog: sensorCatalog });
  return new Promise<RulesLoadResult>((resolve, reject) => {
    const worker = new Worker(url, { workerData: { paths: [...paths] }, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb } });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`loading the rule files took over ${limits.timeoutMs} ms: abandoned`))), limits.timeoutMs);
    timer.unref();
    worker.once('message', (r: RulesLoadResult) => settle(() => resolve(r)));
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the rule loading worker exited with code ${code}`))));
  });
}
