import { existsSync } from 'node:fs';
import type { CollectorDeps } from '../../core/deps.js';
import type { InspectResult, MetadataSource, RuntimeContainerDetails } from './details.js';
import type { ContainerMount } from '../model.js';
import { createDockerApi, type ContainerJson } from './docker-api.js';
import { RuntimeError, isConnectionError } from './errors.js';
import { metadataSourceUpGauge, runtimeUpGauge } from './metrics.js';

export interface DockerRuntimeConfig {
  readonly socketPath: string;
  /** First retry delay after the engine became unreachable; doubles up to retryMaxMs. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** While up, how often the engine is pinged so a vanished socket is noticed without traffic. */
  readonly healthIntervalMs: number;
  /** Timeout of one API call. */
  readonly requestTimeoutMs: number;
}

export const DOCKER_RUNTIME_DEFAULTS: Omit<DockerRuntimeConfig, 'socketPath'> = Object.freeze({
  retryMinMs: 500,
  retryMaxMs: 30_000,
  healthIntervalMs: 10_000,
  requestTimeoutMs: 5_000,
});

export type { InspectResult, RuntimeContainerDetails } from './details.js';

export interface DockerRuntime extends MetadataSource {
  /** First connection attempt; never rejects. A down engine starts the retry loop. */
  start(): Promise<void>;
}

/**
 * Docker engine client for enrichment. A missing or vanished socket is a
 * state (vigil_runtime_up{runtime="docker"} 0 and one log line per outage),
 * not a failure: it is retried with exponential backoff, and listeners are
 * told when the engine is back so enrichment resumes.
 */
export function createDockerRuntime(deps: CollectorDeps, cfg: DockerRuntimeConfig): DockerRuntime {
  const upGauge = runtimeUpGauge(deps.registry);
  const sourceUp = metadataSourceUpGauge(deps.registry);
  const client = createDockerApi(cfg.socketPath, cfg.requestTimeoutMs);
  const listeners = new Set<() => void>();
  let up = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = cfg.retryMinMs;
  let checking: Promise<void> | undefined;
  upGauge.set({ runtime: 'docker' }, 0);
  sourceUp.set({ source: 'docker' }, 0);

  const setUp = (next: boolean, err?: unknown): void => {
    upGauge.set({ runtime: 'docker' }, next ? 1 : 0);
    sourceUp.set({ source: 'docker' }, next ? 1 : 0);
    if (next === up) return;
    up = next;
    if (next) {
      delay = cfg.retryMinMs;
      deps.log.info({ socket: cfg.socketPath }, 'docker engine reachable; container enrichment on');
      for (const l of [...listeners]) {
        try {
          l();
        } catch (e) {
          deps.errors.report('runtime-docker', 'listener', e);
        }
      }
    } else {
      deps.log.warn({ socket: cfg.socketPath, err: (err as Error | undefined)?.message }, 'docker engine unreachable; containers are still found from cgroups, without names and labels; retrying');
    }
  };

  const arm = (ms: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, ms);
    timer.unref();
  };

  const ping = async (): Promise<void> => {
    try {
      if (!existsSync(cfg.socketPath)) {
        throw new RuntimeError('VIGIL_ERR_RUNTIME_UNAVAILABLE', `no socket at ${cfg.socketPath}`);
      }
      await client.ping();
      setUp(true);
      arm(cfg.healthIntervalMs);
    } catch (err) {
      const wasUp = up;
      setUp(false, err);
      if (wasUp) delay = cfg.retryMinMs;
      arm(Math.min(delay, cfg.retryMaxMs));
      delay = Math.min(delay * 2, cfg.retryMaxMs);
    }
  };
  // One ping at a time; its outcome arms the next check (health or backoff).
  // `.finally` runs after the assignment even when ping() settles at once.
  const check = (): Promise<void> => {
    checking ??= ping().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  return {
    source: 'docker',
    get up() {
      return up;
    },
    describe: () => `docker engine at ${cfg.socketPath} (${up ? 'up' : 'down'})`,
    async start() {
      stopped = false;
      await check();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    onUp(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async inspect(id): Promise<InspectResult> {
      if (!up) return { kind: 'unavailable' };
      try {
        const c = await client.inspectContainer(id);
        return { kind: 'found', details: toDetails(c) };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return { kind: 'not-found' };
        if (isConnectionError(err)) {
          // Lost the engine mid-flight: go to backoff now rather than at the next health ping.
          setUp(false, err);
          if (!stopped) arm(cfg.retryMinMs);
          return { kind: 'unavailable' };
        }
        deps.errors.report('runtime-docker', 'inspect', new RuntimeError('VIGIL_ERR_RUNTIME_INSPECT', `inspect ${id.slice(0, 12)} failed`, { cause: err }));
        return { kind: 'unavailable' };
      }
    },
  };
}

function toDetails(c: ContainerJson): RuntimeContainerDetails {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(c.Config?.Labels ?? {})) if (typeof v === 'string') labels[k] = v;
  return {
    name: (c.Name ?? '').replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    imageId: c.Image ?? '',
    labels,
    privileged: c.HostConfig?.Privileged === true,
    mounts: dockerMounts(c.Mounts),
    createdSec: epochSec(c.Created),
    startedSec: epochSec(c.State?.StartedAt),
    pid: c.State?.Pid && c.State.Pid > 0 ? c.State.Pid : undefined,
    networkMode: c.HostConfig?.NetworkMode,
  };
}

/** Docker's Mounts as Falco's container plugin keeps them (source, destination, mode, RW, propagation). */
export function dockerMounts(mounts: ContainerJson['Mounts']): ContainerMount[] {
  const out: ContainerMount[] = [];
  for (const m of Array.isArray(mounts) ? mounts : []) {
    if (typeof m !== 'object' || m === null) continue;
    out.push({
      source: typeof m.Source === 'string' ? m.Source : '',
      dest: typeof m.Destination === 'string' ? m.Destination : '',
      mode: typeof m.Mode === 'string' ? m.Mode : '',
      rdwr: m.RW === true,
      propagation: typeof m.Propagation === 'string' ? m.Propagation : '',
    });
  }
  return out;
}

function epochSec(iso: string | undefined): number | undefined {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}
