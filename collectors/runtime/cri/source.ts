import type { CollectorDeps } from '../../../core/deps.js';
import type { InspectResult, MetadataSource, RuntimePodDetails } from '../details.js';
import { metadataSourceUpGauge, runtimeUpGauge } from '../metrics.js';
import type { CriClient } from './client.js';
import { containerDetails, podDetails, sandboxDetails } from './convert.js';
import { CriError, isCriDown, isDeadline, isNotFound, isUnimplemented } from './errors.js';
import type { Container, ContainerEvent } from './types.js';

export interface CriRuntimeConfig {
  readonly socketPath: string;
  /** Full relist period; also how changes are seen on runtimes without GetContainerEvents. */
  readonly pollIntervalMs: number;
  /** First reconnection delay after the runtime went away; doubles up to retryMaxMs. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly requestTimeoutMs: number;
}

export const CRI_RUNTIME_DEFAULTS: Omit<CriRuntimeConfig, 'socketPath'> = Object.freeze({
  pollIntervalMs: 10_000,
  retryMinMs: 500,
  retryMaxMs: 30_000,
  requestTimeoutMs: 5_000,
});

export interface CriRuntime extends MetadataSource {
  /** `stream` while GetContainerEvents delivers, `poll` otherwise. */
  readonly eventMode: 'stream' | 'poll';
  /** The runtime's own name from Version (`containerd`, `cri-o`, `docker` for cri-dockerd); `cri` before it answered. */
  readonly runtimeName: string;
  /** The pods the runtime runs on this node. */
  pods(): readonly RuntimePodDetails[];
}

interface Sandbox {
  readonly createdAt: string;
  pod?: RuntimePodDetails;
}

const COMPONENT = 'runtime-cri';

/**
 * A CRI runtime (containerd, CRI-O, k3s, cri-dockerd) as a metadata source.
 * Sandboxes and containers are listed at connect and on every poll; the
 * runtime's event stream, where it has one, announces new containers at
 * once, so events held for a new container are released by it rather than
 * by the next poll. A runtime that goes away sets vigil_runtime_up and
 * vigil_metadata_source_up{source="cri"} to 0, logs once, and is reconnected
 * with exponential backoff.
 */
export function createCriRuntime(deps: CollectorDeps, cfg: CriRuntimeConfig): CriRuntime {
  const runtimeUp = runtimeUpGauge(deps.registry);
  const sourceUp = metadataSourceUpGauge(deps.registry);
  const upListeners = new Set<() => void>();
  const containerListeners = new Set<(id: string) => void>();
  const sandboxes = new Map<string, Sandbox>();
  const containers = new Map<string, Container>();
  let client: CriClient | undefined;
  let up = false;
  let stopped = true;
  let runtimeName = 'cri';
  let runtimeVersion = '';
  let eventMode: 'stream' | 'poll' = 'poll';
  let eventsUnsupported = false;
  /** Event streams that broke in a row without delivering anything. */
  let streamFailures = 0;
  let cancelEvents: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = cfg.retryMinMs;
  let busy: Promise<void> | undefined;
  sourceUp.set({ source: 'cri' }, 0);

  const notify = <T>(listeners: Set<(a: T) => void>, arg: T): void => {
    for (const l of [...listeners]) {
      try {
        l(arg);
      } catch (err) {
        deps.errors.report(COMPONENT, 'listener', err);
      }
    }
  };

  /** Logged once per outage, including one that lasts from the start. */
  let saidDown = false;
  const setUp = (next: boolean, err?: unknown): void => {
    runtimeUp.set({ runtime: runtimeName }, next ? 1 : 0);
    sourceUp.set({ source: 'cri' }, next ? 1 : 0);
    if (next === up && (next || saidDown)) return;
    up = next;
    if (next) {
      delay = cfg.retryMinMs;
      saidDown = false;
      deps.log.info({ socket: cfg.socketPath, runtime: runtimeName, version: runtimeVersion }, 'CRI runtime reachable; pods and containers named from it');
      notify(upListeners, undefined);
    } else {
      cancelEvents?.();
      cancelEvents = undefined;
      eventMode = 'poll';
      saidDown = true;
      deps.log.warn(
        { socket: cfg.socketPath, runtime: runtimeName, err: (err as Error | undefined)?.message },
        'CRI runtime unreachable; containers are still found from cgroups, without pod names; reconnecting',
      );
    }
  };

  // A hung runtime is down (reconnected as such) and, unlike a missing socket, an error worth counting.
  const reportDeadline = (stage: string, err: unknown): void => {
    if (isDeadline(err)) deps.errors.report(COMPONENT, stage, new CriError('VIGIL_ERR_CRI_DEADLINE', `CRI call had no answer in ${cfg.requestTimeoutMs} ms`, { cause: err }));
  };

  const arm = (ms: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void tick();
    }, ms);
    timer.unref();
  };

  const sandbox = async (c: CriClient, id: string): Promise<RuntimePodDetails | undefined> => {
    const known = sandboxes.get(id);
    if (known?.pod) return known.pod;
    try {
      const res = await c.podSandboxStatus(id);
      const pod = res.status ? podDetails(res.status, res.info) : undefined;
      sandboxes.set(id, { createdAt: res.status?.created_at ?? '0', ...(pod ? { pod } : {}) });
      return pod;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  /** Lists sandboxes and containers; announces containers not seen before. */
  const relist = async (c: CriClient): Promise<void> => {
    const [pods, list] = await Promise.all([c.listPodSandbox(), c.listContainers()]);
    const livePods = new Set(pods.map((p) => p.id));
    for (const id of sandboxes.keys()) if (!livePods.has(id)) sandboxes.delete(id);
    for (const p of pods) {
      if (!sandboxes.has(p.id)) {
        sandboxes.set(p.id, { createdAt: p.created_at });
        await sandbox(c, p.id);
        notify(containerListeners, p.id);
      }
    }
    const fresh: string[] = [];
    const live = new Set<string>();
    for (const ct of list) {
      live.add(ct.id);
      if (!containers.has(ct.id)) fresh.push(ct.id);
      containers.set(ct.id, ct);
    }
    for (const id of containers.keys()) if (!live.has(id)) containers.delete(id);
    for (const id of fresh) notify(containerListeners, id);
  };

  const onEvent = (e: ContainerEvent): void => {
    const s = e.pod_sandbox_status;
    if (s?.id) {
      const pod = podDetails(s);
      sandboxes.set(s.id, { createdAt: s.created_at, ...(pod ? { pod } : {}) });
    }
    if (e.container_event_type === 'CONTAINER_DELETED_EVENT') {
      containers.delete(e.container_id);
      return;
    }
    // Created/started: the list entry is fetched again on inspect.
    containers.delete(e.container_id);
    notify(containerListeners, e.container_id);
  };

  const watchEvents = (c: CriClient): void => {
    cancelEvents?.();
    eventMode = 'stream';
    cancelEvents = c.containerEvents(
      (e) => {
        streamFailures = 0;
        try {
          onEvent(e);
        } catch (err) {
          deps.errors.report(COMPONENT, 'event', err);
        }
      },
      (err) => {
        cancelEvents = undefined;
        eventMode = 'poll';
        if (stopped || !up) return;
        if (isUnimplemented(err)) {
          eventsUnsupported = true;
          deps.log.info({ runtime: runtimeName, pollMs: cfg.pollIntervalMs }, 'CRI runtime has no GetContainerEvents; new containers are looked up when their cgroup appears, and relisted by polling');
          return;
        }
        // Stream broke while the runtime answers: the next tick decides whether it
        // is down. One that keeps breaking without an event is given up: polling.
        if (++streamFailures >= 3) {
          eventsUnsupported = true;
          deps.log.warn({ runtime: runtimeName, err: err?.message }, 'CRI event stream keeps failing; polling instead');
        }
        arm(cfg.retryMinMs);
      },
    );
  };

  const connectOrPoll = async (): Promise<void> => {
    try {
      // grpc-js and the proto loader load only on nodes that have a CRI runtime (their cost: bench/metadata/RESULTS.md).
      if (!client) client = (await import('./client.js')).createCriClient(cfg.socketPath, cfg.requestTimeoutMs);
      if (!up) {
        const v = await client.version();
        // The series is labelled with the runtime's own name once it gave one.
        if ((v.runtime_name || 'cri') !== runtimeName) runtimeUp.remove({ runtime: runtimeName });
        runtimeName = v.runtime_name || 'cri';
        runtimeVersion = v.runtime_version;
        await relist(client);
        setUp(true);
        watchEvents(client);
      } else {
        await relist(client);
        if (!cancelEvents && !eventsUnsupported) watchEvents(client);
      }
      arm(cfg.pollIntervalMs);
    } catch (err) {
      reportDeadline('list', err);
      if (!isCriDown(err) && up) {
        // A bad answer from a live runtime: counted, and the next poll tries again.
        deps.errors.report(COMPONENT, 'list', new CriError('VIGIL_ERR_CRI_CALL', 'CRI list failed', { cause: err }));
        arm(cfg.pollIntervalMs);
        return;
      }
      const wasUp = up;
      setUp(false, err);
      if (!wasUp && !isCriDown(err)) {
        // Answers, but not as a CRI runtime (e.g. a containerd without its CRI plugin).
        deps.errors.report(COMPONENT, 'connect', new CriError('VIGIL_ERR_CRI_UNAVAILABLE', `no CRI service at ${cfg.socketPath}`, { cause: err }));
      }
      client?.close();
      client = undefined;
      if (wasUp) delay = cfg.retryMinMs;
      arm(Math.min(delay, cfg.retryMaxMs));
      delay = Math.min(delay * 2, cfg.retryMaxMs);
    }
  };

  const tick = (): Promise<void> => {
    busy ??= connectOrPoll().finally(() => {
      busy = undefined;
    });
    return busy;
  };

  return {
    source: 'cri',
    get up() {
      return up;
    },
    get eventMode() {
      return eventMode;
    },
    get runtimeName() {
      return runtimeName;
    },
    describe: () => `${runtimeName}${runtimeVersion ? ` ${runtimeVersion}` : ''} at ${cfg.socketPath} (${up ? `up, ${eventMode === 'stream' ? 'event stream' : 'polling'}` : 'down'})`,
    async start() {
      stopped = false;
      await tick();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      cancelEvents?.();
      cancelEvents = undefined;
      client?.close();
      client = undefined;
      up = false;
      sourceUp.set({ source: 'cri' }, 0);
    },
    onUp(listener) {
      upListeners.add(listener);
      return () => upListeners.delete(listener);
    },
    onContainer(listener) {
      containerListeners.add(listener);
      return () => containerListeners.delete(listener);
    },
    pods: () => [...sandboxes.values()].flatMap((s) => (s.pod ? [s.pod] : [])),
    async inspect(id): Promise<InspectResult> {
      const c = client;
      if (!up || !c) return { kind: 'unavailable' };
      try {
        let entry = containers.get(id);
        if (!entry) {
          entry = (await c.listContainers({ id }))[0];
          if (entry) containers.set(id, entry);
        }
        if (!entry) {
          // The pause container of a pod is a sandbox, not a container.
          const pod = await sandbox(c, id);
          if (pod) return { kind: 'found', details: sandboxDetails(pod, sandboxes.get(id)?.createdAt ?? '0') };
          return { kind: 'not-found' };
        }
        const status = await c.containerStatus(id).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        const pod = await sandbox(c, entry.pod_sandbox_id);
        return { kind: 'found', details: containerDetails(entry, status, pod) };
      } catch (err) {
        if (isCriDown(err)) {
          reportDeadline('inspect', err);
          setUp(false, err);
          arm(cfg.retryMinMs);
          return { kind: 'unavailable' };
        }
        deps.errors.report(COMPONENT, 'inspect', new CriError('VIGIL_ERR_CRI_CALL', `CRI inspect ${id.slice(0, 12)} failed`, { cause: err }));
        return { kind: 'unavailable' };
      }
    },
  };
}
