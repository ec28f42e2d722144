import { parentPort, workerData } from 'node:worker_threads';
import { sensorCatalog } from '../fields/index.js';
import { loadRulePaths } from '../loader/index.js';

/** Runs in a worker thread (load-off-thread.ts): reads, parses and resolves the rule paths, posts the result. */
const { paths } = workerData as { paths: readonly string[] };
parentPort!.postMessage(await loadRulePaths(paths, { catalog: sensorCatalog }));
