/**
 * The node collector: samples cpu, PSI, memory, load and filesystems every
 * sampleIntervalMs (never overlapping, never rejecting, unref'd timer),
 * keeps the latest sample for rules, and serves node_* metrics.
 */
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { statelessRegExp, type NodeCollectorConfig } from './config.js';
import { NodeCollectorError } from './errors.js';
import { FilesystemScanner, type StatfsFn } from './filesystems.js';
import { createSystemInventory, type InventoryFn, type NodeInventory } from './inventory.js';
import { createNodeMetricFamilies, registerNodeMetrics } from './metrics.js';
import { filterMounts, readHostMounts } from './mountinfo.js';
import { CpuClamp, intervalRatios } from './proc-stat.js';
import { COMPONENT, ProcReader } from './proc-reader.js';
import type { CpuModeSeconds, CpuSample, FilesystemSample, NodeSample } from './sample.js';

export interface NodeCollector extends Component {
  /** The most recent complete sample; undefined before the first one. */
  latest(): NodeSample | undefined;
  /** Called after every sample; returns an unsubscribe function. A throwing listener is reported, never fatal. */
  onSample(listener: (s: NodeSample) => void): () => void;
  /** The inventory behind vigil_node_info, once it has been taken. */
  inventory(): NodeInventory | undefined;
  /** Takes one sample now (waits for one already running instead of overlapping). For tests and benchmarks. */
  sampleNow(): Promise<NodeSample>;
}

/** Seams for tests: a fake statfs (e.g. one that never settles), a fake inventory, a clock. */
export interface NodeCollectorIo {
  readonly statfs?: StatfsFn;
  readonly inventory?: InventoryFn;
  readonly now?: () => number;
}

function validate(cfg: NodeCollectorConfig): void {
  const bad = (key: string, msg: string): never => {
    throw new NodeCollectorError('VIGIL_ERR_NODE_CONFIG', `node.${key}: ${msg}`);
  };
  if (!(cfg.sampleIntervalMs > 0)) bad('sampleIntervalMs', 'must be > 0');
  if (!(cfg.statfsTimeoutMs > 0)) bad('statfsTimeoutMs', 'must be > 0');
  if (!(cfg.clockTicksPerSecond > 0)) bad('clockTicksPerSecond', 'must be > 0');
  if (!cfg.procRoot) bad('procRoot', 'must not be empty');
  if (!cfg.hostRoot) bad('hostRoot', 'must not be empty');
}

export function createNodeCollector(deps: CollectorDeps, cfg: NodeCollectorConfig, io: NodeCollectorIo = {}): NodeCollector {
  validate(cfg);
  const mountPointsExclude = statelessRegExp(cfg.mountPointsExclude);
  const fsTypesExclude = statelessRegExp(cfg.fsTypesExclude);
  const now = io.now ?? Date.now;
  const reader = new ProcReader(cfg.procRoot, new CpuClamp(cfg.clockTicksPerSecond), deps.errors);
  const scanner = new FilesystemScanner({
    hostRoot: cfg.hostRoot,
    timeoutMs: cfg.statfsTimeoutMs,
    ...(io.statfs ? { statfs: io.statfs } : {}),
  });
  const listeners = new Set<(s: NodeSample) => void>();

  let latest: NodeSample | undefined;
  let prevTotal: CpuModeSeconds | undefined;
  let inventory: NodeInventory | undefined;
  let running: Promise<NodeSample> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let onAbort: (() => void) | undefined;
  let abortSignal: AbortSignal | undefined;

  async function scanFilesystems(): Promise<FilesystemSample[]> {
    try {
      const mounts = await readHostMounts(cfg.procRoot, cfg.hostRoot);
      return await scanner.scan(filterMounts(mounts, mountPointsExclude, fsTypesExclude));
    } catch (err) {
      deps.errors.report(COMPONENT, 'mountinfo', err);
      return [];
    }
  }

  async function takeSample(): Promise<NodeSample> {
    const timeMs = now();
    const [fast, filesystems] = await Promise.all([reader.read(), scanFilesystems()]);
    const total = fast.cpu.total ?? zeroModes();
    const interval = prevTotal && fast.cpu.total ? intervalRatios(prevTotal, total) : undefined;
    if (fast.cpu.total) prevTotal = total;
    const cpu: CpuSample = interval ? { perCpu: fast.cpu.perCpu, total, interval } : { perCpu: fast.cpu.perCpu, total };
    const sample: NodeSample = {
      timeMs,
      cpu,
      filesystems,
      ...(fast.psi ? { psi: fast.psi } : {}),
      ...(fast.memory ? { memory: fast.memory } : {}),
      ...(fast.load ? { load: fast.load } : {}),
    };
    latest = sample;
    for (const l of listeners) {
      try {
        l(sample);
      } catch (err) {
        deps.errors.report(COMPONENT, 'listener', err);
      }
    }
    return sample;
  }

  function sampleNow(): Promise<NodeSample> {
    if (!running) {
      running = takeSample().finally(() => {
        running = undefined;
      });
    }
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      // takeSample only rejects on a bug; report it and keep the loop alive.
      sampleNow()
        .catch((err: unknown) => deps.errors.report(COMPONENT, 'sample', err))
        .finally(schedule);
    }, cfg.sampleIntervalMs);
    timer.unref();
  }

  function takeInventory(): Promise<void> {
    return (io.inventory ?? createSystemInventory(cfg.hostRoot))().then(
      (inv) => {
        inventory = inv;
      },
      (err: unknown) => deps.errors.report(COMPONENT, 'inventory', err),
    );
  }

  const families = createNodeMetricFamilies({
    reader,
    filesystems: () => latest?.filesystems ?? [],
    inventory: () => inventory,
  });
  registerNodeMetrics(deps.registry, families);

  return {
    name: 'node',
    latest: () => latest,
    inventory: () => inventory,
    sampleNow,
    onSample(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start(signal) {
      if (started || stopped || signal.aborted) return;
      started = true;
      abortSignal = signal;
      onAbort = () => void stop();
      signal.addEventListener('abort', onAbort, { once: true });
      const inv = takeInventory();
      let waitTimer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        waitTimer = setTimeout(resolve, cfg.inventoryWaitMs ?? 2_000);
        waitTimer.unref();
      });
      await Promise.all([sampleNow().catch((err: unknown) => deps.errors.report(COMPONENT, 'sample', err)), Promise.race([inv, waited])]);
      clearTimeout(waitTimer);
      schedule();
    },
    stop,
  };

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (onAbort && abortSignal) abortSignal.removeEventListener('abort', onAbort);
    onAbort = undefined;
    // Wait for a sample in flight so nothing runs after stop() resolves.
    // Its statfs calls are bounded by the timeout, so this terminates.
    await running?.catch(() => undefined);
  }
}

function zeroModes(): CpuModeSeconds {
  return { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
}
