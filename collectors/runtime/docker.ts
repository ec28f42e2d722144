import { existsSync } from 'node:fs';
import type { Gauge } from 'prom-client';
import type { CollectorDeps } from '../../core/deps.js';
import { createDockerApi, type ContainerJson } from './docker-api.js';
import { RuntimeError, isConnectionError } from './errors.js';
import { gauge } from '../../core/metrics.js';

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

/** What the engine knows about one container and the cgroup does not. */
export interface RuntimeContainerDetails {
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  readonly createdSec?: number;
  readonly startedSec?: number;
  readonly pid?: number;
  /** Docker's HostConfig.NetworkMode: `container:<id>` means another container's netns. */
  readonly networkMode?: string;
}

export type InspectResult =
  | { readonly kind: 'found'; readonly details: RuntimeContainerDetails }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'unavailable' };

export interface DockerRuntime {
  readonly up: boolean;
  /** First connection attempt; never rejects. A down engine starts the retry loop. */
  start(): Promise<void>;
  stop(): void;
  inspect(id: string): Promise<InspectResult>;
  /** Called each time the engine becomes reachable (again). Returns unsubscribe. */
  onUp(listener: () => void): () => void;
}

/**
 * Docker engine client for enrichment. A missing or vanished socket is a
 * state (vigil_runtime_up{runtime="docker"} 0 and one log line per outage),
 * not a failure: it is retried with exponential backoff, and listeners are
 * told when the engine is back so enrichment resumes.
 */
export function createDockerRuntime(deps: CollectorDeps, cfg: DockerRuntimeConfig): DockerRuntime {
  const upGauge = runtimeUpGauge(deps);
  const client = createDockerApi(cfg.socketPath, cfg.requestTimeoutMs);
  const listeners = new Set<() => void>();
  let up = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = cfg.retryMinMs;
  let checking: Promise<void> | undefined;
  upGauge.set({ runtime: 'docker' }, 0);

  const setUp = (next: boolean, err?: unknown): void => {
    upGauge.set({ runtime: 'docker' }, next ? 1 : 0);
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
      deps.log.warn(
        { socket: cfg.socketPath, err: (err as Error | undefined)?.message },
        'docker engine unreachable; containers are still found from cgroups, without names and labels; retrying',
      );
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
    get up() {
      return up;
    },
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
    async inspect(id) {
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
    createdSec: epochSec(c.Created),
    startedSec: epochSec(c.State?.StartedAt),
    pid: c.State?.Pid && c.State.Pid > 0 ? c.State.Pid : undefined,
    networkMode: c.HostConfig?.NetworkMode,
  };
}

function epochSec(iso: string | undefined): number | undefined {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function runtimeUpGauge(deps: CollectorDeps): Gauge<'runtime'> {
  return gauge(deps.registry, { name: 'vigil_runtime_up', help: 'Whether the container runtime API is reachable (1) or not (0).', labelNames: ['runtime'] });
}
