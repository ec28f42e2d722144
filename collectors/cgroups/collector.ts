import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import type { ContainerInfo } from '../model.js';
import { createCriRuntime, createDockerRuntime, CRI_RUNTIME_DEFAULTS, DOCKER_RUNTIME_DEFAULTS, type CriRuntime, type MetadataSource, type RuntimeContainerDetails } from '../runtime/index.js';
import { isChurn } from '../../core/errors.js';
import { type CgroupLayout, detectCgroupLayout } from './layout.js';
import { type ContainerLabels, type ContainerSample, registerContainerMetrics } from './metrics.js';
import type { ParsedCgroupPath } from './parse-path.js';
import { parsePartitions } from './parse-stats.js';
import { type ContainerStatPaths, readContainerStats, readNetDev, readPids, statPathsFor } from './stats.js';
import { CgroupTreeWatcher } from './tree-watcher.js';
import { gauge } from '../../core/metrics.js';

export interface ContainerCollectorConfig {
  readonly cgroupRoot: string;
  readonly procRoot: string;
  /** Docker engine API socket; undefined or '' for none. */
  readonly dockerSocket?: string;
  /** CRI runtime socket (containerd, CRI-O, k3s, cri-dockerd); undefined for none. */
  readonly criSocket?: string;
  readonly criPollIntervalMs?: number;
  readonly resyncIntervalMs: number;
  /** Longest wait between reconnection attempts to the Docker engine (default 30 s). */
  readonly dockerRetryMaxMs?: number;
  /** Longest wait between reconnection attempts to the CRI runtime (default 30 s). */
  readonly criRetryMaxMs?: number;
}

export interface ContainerChange {
  readonly kind: 'added' | 'removed' | 'updated';
  readonly container: ContainerInfo;
}

export interface ContainerCollector extends Component {
  /** The runtimes asked for names, for the start log and the metadata checks. */
  readonly sources: readonly MetadataSource[];
  list(): readonly ContainerInfo[];
  get(id: string): ContainerInfo | undefined;
  onChange(listener: (change: ContainerChange) => void): () => void;
}

const COMPONENT = 'containers';
const ENRICH_CONCURRENCY = 4;

type Enrichment = 'pending' | 'done' | 'none';

interface Tracked {
  info: ContainerInfo;
  readonly paths: ContainerStatPaths;
  labels: ContainerLabels;
  enrichment: Enrichment;
  /** Network counters belong to another container (docker `container:` mode) or to the host. */
  netShared: boolean;
  /** Pid whose netns was checked against the host's. */
  netPid?: number;
}

export function createContainerCollector(deps: CollectorDeps, cfg: ContainerCollectorConfig): ContainerCollector {
  const tracked = new Map<string, Tracked>();
  const byPath = new Map<string, string>();
  const listeners = new Set<(c: ContainerChange) => void>();
  const cri: CriRuntime | undefined = cfg.criSocket
    ? createCriRuntime(deps, {
        ...CRI_RUNTIME_DEFAULTS,
        socketPath: cfg.criSocket,
        pollIntervalMs: cfg.criPollIntervalMs ?? CRI_RUNTIME_DEFAULTS.pollIntervalMs,
        retryMaxMs: cfg.criRetryMaxMs ?? CRI_RUNTIME_DEFAULTS.retryMaxMs,
      })
    : undefined;
  const docker = cfg.dockerSocket
    ? createDockerRuntime(deps, {
        ...DOCKER_RUNTIME_DEFAULTS,
        socketPath: cfg.dockerSocket,
        retryMaxMs: cfg.dockerRetryMaxMs ?? DOCKER_RUNTIME_DEFAULTS.retryMaxMs,
      })
    : undefined;
  const sources: MetadataSource[] = [...(cri ? [cri] : []), ...(docker ? [docker] : [])];
  /**
   * Who can name a container, from the runtime its cgroup path shows: the
   * Docker engine cannot know a containerd or CRI-O container; a bare id
   * under kubepods may be either (CRI first: it also knows the pod).
   */
  const sourcesFor = (runtime: ContainerInfo['runtime']): MetadataSource[] => {
    if (runtime === 'docker') return docker ? [docker] : [];
    if (runtime === 'unknown') return sources;
    return cri ? [cri] : [];
  };
  let layout: CgroupLayout | undefined;
  let watcher: CgroupTreeWatcher | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let started = false;
  const unsubscribe: Array<() => void> = [];
  const report = (stage: string, err: unknown): void => deps.errors.report(COMPONENT, stage, err);

  const emit = (kind: ContainerChange['kind'], container: ContainerInfo): void => {
    for (const l of [...listeners]) {
      try {
        l({ kind, container });
      } catch (err) {
        report('listener', err);
      }
    }
  };

  // ---- enrichment: a small queue so a node with hundreds of containers does
  // not open hundreds of engine connections at start.
  const queue: string[] = [];
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const enqueue = (id: string): void => {
    if (!queue.includes(id)) queue.push(id);
    pump();
  };
  const pump = (): void => {
    while (inFlight < ENRICH_CONCURRENCY && queue.length > 0) {
      const id = queue.shift()!;
      inFlight++;
      void enrich(id).finally(() => {
        inFlight--;
        pump();
      });
    }
    if (inFlight === 0 && queue.length === 0) {
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  };
  const drained = (): Promise<void> => (inFlight === 0 && queue.length === 0 ? Promise.resolve() : new Promise((r) => idle.push(r)));

  const enrich = async (id: string): Promise<void> => {
    const t = tracked.get(id);
    if (t?.enrichment !== 'pending') return;
    let found: { details: RuntimeContainerDetails; source: MetadataSource } | undefined;
    let unavailable = false;
    for (const source of sourcesFor(t.info.runtime)) {
      const res = await source.inspect(id);
      if (res.kind === 'found') {
        found = { details: res.details, source };
        break;
      }
      if (res.kind === 'unavailable') unavailable = true;
    }
    const now = tracked.get(id);
    if (now !== t) return; // removed (or replaced) meanwhile
    if (!found) {
      // Unavailable: stays pending, retried when that runtime is back (onUp).
      // Not found anywhere: not a container these runtimes know, unless one announces it later.
      if (!unavailable) t.enrichment = 'none';
      return;
    }
    t.enrichment = 'done';
    t.info = withDetails(t.info, found.details, found.source === cri ? runtimeKindOf(cri.runtimeName) : 'docker');
    t.labels = labelsOf(t.info);
    t.netShared = found.details.networkMode?.startsWith('container:') === true;
    emit('updated', t.info);
  };

  const onAdd = (cgroupPath: string, parsed: ParsedCgroupPath): void => {
    if (!layout) return;
    const prev = tracked.get(parsed.id);
    if (prev) return; // same id in a second place (nested cgroup): first one wins
    const paths = statPathsFor(layout, cgroupPath);
    const info: ContainerInfo = {
      id: parsed.id,
      runtime: parsed.runtime,
      cgroupPath,
      ...(parsed.podUid ? { podUid: parsed.podUid } : {}),
      labels: {},
      ...optional('startTimeSec', cgroupCtimeSec(layout.watchRoot, cgroupPath)),
      ...optional('pid', readPids(paths, report)[0]),
    };
    const ask = sourcesFor(parsed.runtime).length > 0;
    const t: Tracked = { info, paths, labels: labelsOf(info), enrichment: ask ? 'pending' : 'none', netShared: false };
    tracked.set(parsed.id, t);
    byPath.set(cgroupPath, parsed.id);
    emit('added', info);
    if (ask) enqueue(parsed.id);
  };

  const onRemove = (cgroupPath: string): void => {
    const id = byPath.get(cgroupPath);
    if (id === undefined) return;
    byPath.delete(cgroupPath);
    const t = tracked.get(id);
    if (!t) return;
    tracked.delete(id);
    emit('removed', t.info);
  };

  // ---- scrape-time sampling
  // All metrics of one scrape are collected in one synchronous run (prom-client
  // calls every collect() before awaiting any), so they share one read of the
  // cgroup files; the next macrotask starts fresh. The age bound covers a
  // caller that never yields to the event loop between two scrapes.
  let cache: { at: number; samples: ContainerSample[] } | undefined;
  const partitions = createPartitionNames(cfg.procRoot);
  const hostNetns = (): string | undefined => readlinkQuiet(join(cfg.procRoot, '1', 'ns', 'net'));

  const netOf = (t: Tracked): ContainerSample['net'] => {
    if (t.netShared) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      let pid = t.info.pid;
      if (pid === undefined || attempt === 1) {
        pid = readPids(t.paths, report)[0];
        if (pid === undefined) return undefined;
        t.info = { ...t.info, pid };
      }
      if (t.netPid !== pid) {
        // A container in the host netns would report the node's traffic as its own.
        const ns = readlinkQuiet(join(cfg.procRoot, String(pid), 'ns', 'net'));
        if (ns !== undefined) {
          t.netPid = pid;
          if (ns === hostNetns()) {
            t.netShared = true;
            return undefined;
          }
        }
      }
      const net = readNetDev(cfg.procRoot, pid, report);
      if (net !== undefined) return net;
    }
    return undefined;
  };

  const samples = (): readonly ContainerSample[] => {
    const nowMs = Date.now();
    if (cache && nowMs - cache.at < 100) return cache.samples;
    const out: ContainerSample[] = [];
    for (const t of tracked.values()) {
      const stats = readContainerStats(t.paths, report);
      out.push({
        labels: t.labels,
        stats,
        net: netOf(t),
        devices: partitions(stats.io.map((d) => d.device)),
        ...optional('startTimeSec', t.info.startTimeSec),
        seenSec: nowMs / 1000,
      });
    }
    const mine = { at: nowMs, samples: out };
    cache = mine;
    setImmediate(() => {
      if (cache === mine) cache = undefined;
    });
    return out;
  };

  registerContainerMetrics(deps.registry, samples);
  gauge(deps.registry, {
    name: 'vigil_containers',
    help: 'Containers currently known from the cgroup hierarchy.',
    collect() {
      this.set(tracked.size);
    },
  });

  const resync = (): void => {
    try {
      watcher?.resync();
    } catch (err) {
      report('resync', err);
    }
  };

  const stop = async (): Promise<void> => {
    started = false;
    if (resyncTimer) clearInterval(resyncTimer);
    resyncTimer = undefined;
    for (const u of unsubscribe.splice(0)) u();
    watcher?.close();
    watcher = undefined;
    for (const source of sources) source.stop();
    queue.length = 0;
    tracked.clear();
    byPath.clear();
    cache = undefined;
  };

  return {
    name: COMPONENT,
    async start(signal: AbortSignal) {
      if (started) return;
      started = true;
      signal.addEventListener('abort', () => void stop(), { once: true });
      try {
        layout = detectCgroupLayout(cfg.cgroupRoot);
      } catch (err) {
        report('layout', err);
        deps.log.error({ err, cgroupRoot: cfg.cgroupRoot }, 'no cgroup hierarchy found; container discovery is off');
        return;
      }
      deps.log.info({ version: layout.version, watch: layout.watchRoot }, 'cgroup layout');
      for (const source of sources) {
        unsubscribe.push(
          source.onUp(() => {
            for (const [id, t] of tracked) if (t.enrichment === 'pending') enqueue(id);
          }),
        );
        // The runtime announced a container (event stream or relist): name it now,
        // even one an earlier lookup missed, so held events are released by it.
        if (source.onContainer) {
          unsubscribe.push(
            source.onContainer((id) => {
              const t = tracked.get(id);
              if (t && t.enrichment !== 'done') {
                t.enrichment = 'pending';
                enqueue(id);
              }
            }),
          );
        }
      }
      await Promise.all(sources.map((s) => s.start()));
      watcher = new CgroupTreeWatcher(layout.watchRoot, { onAdd, onRemove, onError: report });
      resync();
      resyncTimer = setInterval(resync, Math.max(100, cfg.resyncIntervalMs));
      resyncTimer.unref();
      // Ready means the first listing is enriched as far as the engine allows.
      await drained();
    },
    stop,
    sources,
    list: () => [...tracked.values()].map((t) => t.info),
    get: (id) => tracked.get(id)?.info,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function withDetails(info: ContainerInfo, d: RuntimeContainerDetails, runtime: ContainerInfo['runtime']): ContainerInfo {
  const k8s = d.pod ? k8sOfPod(d.pod, info) : k8sOfLabels(d.labels, info);
  const podUid = k8s?.podUid ?? info.podUid;
  return {
    ...info,
    runtime: info.runtime === 'unknown' ? runtime : info.runtime,
    name: d.name,
    image: d.image,
    imageId: d.imageId,
    ...(d.imageDigest ? { imageDigest: d.imageDigest } : {}),
    labels: d.labels,
    privileged: d.privileged,
    ...(d.mounts ? { mounts: d.mounts } : {}),
    ...(k8s ? { k8s } : {}),
    ...(podUid ? { podUid } : {}),
    // cAdvisor's docker handler reports the container's creation time.
    startTimeSec: d.createdSec ?? info.startTimeSec,
    pid: d.pid ?? info.pid,
  };
}

/** A CRI runtime names the pod itself (sandbox metadata, labels, IPs). */
function k8sOfPod(p: NonNullable<RuntimeContainerDetails['pod']>, info: ContainerInfo): NonNullable<ContainerInfo['k8s']> {
  return {
    namespace: p.namespace,
    pod: p.name,
    container: p.container,
    ...(p.uid || info.podUid ? { podUid: p.uid || info.podUid } : {}),
    podLabels: p.labels,
    podAnnotations: p.annotations,
    podIps: p.ips,
    hostNetwork: p.hostNetwork,
    ...(p.cniJson ? { cniJson: p.cniJson } : {}),
  };
}

/** The Docker engine has only what the kubelet wrote on the container (io.kubernetes.* labels). */
function k8sOfLabels(l: Readonly<Record<string, string>>, info: ContainerInfo): ContainerInfo['k8s'] {
  const pod = l['io.kubernetes.pod.name'];
  const namespace = l['io.kubernetes.pod.namespace'];
  const podUid = l['io.kubernetes.pod.uid'] ?? info.podUid;
  if (pod === undefined || namespace === undefined) return undefined;
  return { namespace, pod, container: l['io.kubernetes.container.name'] ?? '', ...(podUid ? { podUid } : {}) };
}

/** The CRI Version's runtime_name as the RuntimeKind of ContainerInfo (cri-dockerd says `docker`). */
function runtimeKindOf(name: string): ContainerInfo['runtime'] {
  return name === 'containerd' || name === 'cri-o' || name === 'docker' ? name : 'unknown';
}

function labelsOf(info: ContainerInfo): ContainerLabels {
  return {
    id: info.cgroupPath,
    name: info.name ?? '',
    image: info.image ?? '',
    namespace: info.k8s?.namespace ?? '',
    pod: info.k8s?.pod ?? '',
    container: info.k8s?.container ?? '',
  };
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

function cgroupCtimeSec(root: string, cgroupPath: string): number | undefined {
  try {
    return statSync(join(root, cgroupPath)).ctimeMs / 1000;
  } catch {
    return undefined;
  }
}

function readlinkQuiet(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `major:minor` → `/dev/<name>` from /proc/partitions, as cAdvisor labels
 * devices. Re-read at most once a minute, and only when a device is unknown.
 */
function createPartitionNames(procRoot: string): (devices: readonly string[]) => ReadonlyMap<string, string> {
  let names = new Map<string, string>();
  let readAt = -Infinity;
  return (devices) => {
    if (devices.some((d) => !names.has(d)) && Date.now() - readAt > 60_000) {
      readAt = Date.now();
      try {
        const m = parsePartitions(readFileSync(join(procRoot, 'partitions'), 'utf8'));
        names = new Map([...m].map(([k, v]) => [k, `/dev/${v}`]));
      } catch (err) {
        if (!isChurn(err)) names = new Map(names);
      }
    }
    return names;
  };
}
