import { counter, gauge } from '../../core/metrics.js';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { KubeError } from './errors.js';
import type { KubeGet } from './http.js';
import { createListWatch, type ListWatch, type ListWatchConfig } from './list-watch.js';
import { ownerBook, OwnerMap } from './owner-book.js';
import { NodePods, PeerIndex } from './pod-index.js';
import type { KubeObject, PeerMeta, PodJson, PodMeta } from './types.js';

/** The paging, timeouts and backoff of every list/watch it runs (list-watch.ts says what each means). */
type ListWatchTiming = Pick<ListWatchConfig, 'pageSize' | 'watchTimeoutSec' | 'idleTimeoutMs' | 'listTimeoutMs' | 'retryMinMs' | 'retryMaxMs'>;

export interface KubeMetadataConfig extends ListWatchTiming {
  /** Where the API is and how to reach it; undefined: no API (the agent runs without). */
  readonly api?: { readonly server: string; readonly get: KubeGet; readonly via: string };
  /** Why there is no API, for the log and /readyz. */
  readonly unavailableReason?: string;
  readonly nodeName: string;
  readonly maxPods: number;
}

export const KUBE_WATCH_DEFAULTS = Object.freeze({
  pageSize: 500,
  watchTimeoutSec: 300,
  idleTimeoutMs: 330_000,
  listTimeoutMs: 60_000,
  retryMinMs: 1_000,
  retryMaxMs: 60_000,
});

export interface KubeMetadata extends Component {
  /** The node's pod watch has a complete list and its last attempt did not fail. */
  readonly up: boolean;
  readonly configured: boolean;
  /** One line for the start log and /readyz. */
  describe(): string;
  pod(uid: string): PodMeta | undefined;
  /** The pod (anywhere in the cluster) holding this IP. */
  peer(ip: string): PeerMeta | undefined;
  /** Called when a pod of this node is added or changes. */
  onPod(listener: (uid: string) => void): () => void;
}

type Resource = 'node-pods' | 'cluster-pods' | 'replicasets' | 'jobs';

/**
 * The Kubernetes API watch: this node's pods (labels, annotations, owners),
 * every pod's IP for naming connection peers, and ReplicaSets and Jobs to
 * resolve owners to Deployments and CronJobs. Without an API (or while it is
 * unreachable) the agent runs on: vigil_metadata_source_up{source="kubernetes"}
 * is 0 and describe() says why.
 */
export function createKubeMetadata(deps: CollectorDeps, cfg: KubeMetadataConfig): KubeMetadata {
  const replicaSets = new OwnerMap('Deployment');
  const jobs = new OwnerMap('CronJob');
  const book = ownerBook(replicaSets, jobs);
  const nodePods = new NodePods(() => book);
  const peers = new PeerIndex(cfg.maxPods, () => book);
  const listeners = new Set<(uid: string) => void>();
  const state = new Map<Resource, { up: boolean; err?: string }>();
  const watches: ListWatch[] = [];
  let stopped = false;

  const sourceUp = gauge(deps.registry, {
    name: 'vigil_metadata_source_up',
    help: 'Whether a metadata source (cri, docker, kubernetes) is configured and reachable (1) or not (0).',
    labelNames: ['source'],
  });
  sourceUp.set({ source: 'kubernetes' }, 0);
  const watchUp = gauge(deps.registry, { name: 'vigil_kube_watch_up', help: 'Whether a Kubernetes API list/watch is synced and connected (1) or not (0).', labelNames: ['resource'] });
  const relists = counter(deps.registry, {
    name: 'vigil_kube_relists_total',
    help: 'Kubernetes API lists by resource and reason: initial, gone (410: the watch expired), dropped (connection lost or error; after a backoff).',
    labelNames: ['resource', 'reason'],
  });
  const dropped = counter(deps.registry, { name: 'vigil_kube_index_dropped_total', help: 'Pods left out of the cluster-wide IP index because it holds kubeMaxPods.', labelNames: [] });
  let droppedSeen = 0;
  gauge(deps.registry, {
    name: 'vigil_kube_pods',
    help: 'Pods known from the Kubernetes API: on this node, and in the cluster-wide IP index.',
    labelNames: ['scope'],
    collect() {
      this.set({ scope: 'node' }, nodePods.size);
      this.set({ scope: 'cluster' }, peers.size);
      if (peers.dropped > droppedSeen) {
        dropped.inc(peers.dropped - droppedSeen);
        droppedSeen = peers.dropped;
      }
    },
  });

  const notify = (uid: string | undefined): void => {
    if (uid === undefined) return;
    for (const l of [...listeners]) {
      try {
        l(uid);
      } catch (err) {
        deps.errors.report('kubernetes', 'listener', err);
      }
    }
  };

  const setState = (resource: Resource, up: boolean, err?: unknown): void => {
    const was = state.get(resource);
    watchUp.set({ resource }, up ? 1 : 0);
    const msg = err === undefined ? undefined : (err as Error).message;
    state.set(resource, { up, ...(msg ? { err: msg } : {}) });
    if (resource === 'node-pods') sourceUp.set({ source: 'kubernetes' }, up ? 1 : 0);
    if (was?.up === up && (up || was?.err === msg)) return;
    if (up) deps.log.info({ resource }, 'kubernetes API watch synced');
    else {
      const forbidden = err instanceof KubeError && err.statusCode === 403;
      deps.log.warn(
        { resource, err: msg, server: cfg.api?.server },
        forbidden && (resource === 'replicasets' || resource === 'jobs')
          ? `kubernetes API refuses to list ${resource}; workloads are derived from owner names (ReplicaSet -> Deployment by pod-template-hash, Jobs stay Jobs); retrying`
          : 'kubernetes API watch failed; running on runtime metadata, relisting with backoff',
      );
    }
  };

  const watchOf = <T extends KubeObject>(resource: Resource, path: string, handlers: { replace(i: readonly T[]): void; upsert(o: T): void; remove(o: T): void }, fieldSelector?: string): ListWatch => {
    const lwCfg: ListWatchConfig = {
      path,
      ...(fieldSelector ? { fieldSelector } : {}),
      pageSize: cfg.pageSize,
      watchTimeoutSec: cfg.watchTimeoutSec,
      idleTimeoutMs: cfg.idleTimeoutMs,
      listTimeoutMs: cfg.listTimeoutMs,
      retryMinMs: cfg.retryMinMs,
      retryMaxMs: cfg.retryMaxMs,
    };
    return createListWatch<T>(cfg.api!.get, lwCfg, handlers, {
      state: (up, err) => setState(resource, up, err),
      relist: (reason) => relists.inc({ resource, reason }),
    });
  };

  const describe = (): string => {
    if (!cfg.api) return `kubernetes API: not used (${cfg.unavailableReason ?? 'off'}); workloads are guessed from pod names and labels`;
    const parts = [...state].map(([r, s]) => `${r} ${s.up ? 'synced' : `down (${s.err ?? 'connecting'})`}`);
    return `kubernetes API at ${cfg.api.server} via ${cfg.api.via}, node ${cfg.nodeName}: ${nodePods.size} node pods, ${peers.size} cluster pods; ${parts.join(', ') || 'connecting'}`;
  };

  return {
    name: 'kubernetes',
    get up() {
      return state.get('node-pods')?.up === true;
    },
    configured: cfg.api !== undefined,
    describe,
    pod: (uid) => nodePods.get(uid),
    peer: (ip) => peers.peer(ip),
    onPod(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start(signal) {
      if (!cfg.api || stopped || watches.length > 0) return;
      signal.addEventListener('abort', () => this.stop(), { once: true });
      watches.push(
        watchOf<KubeObject>('replicasets', '/apis/apps/v1/replicasets', replicaSets),
        watchOf<KubeObject>('jobs', '/apis/batch/v1/jobs', jobs),
        watchOf<PodJson>('cluster-pods', '/api/v1/pods', peers),
        watchOf<PodJson>(
          'node-pods',
          '/api/v1/pods',
          {
            replace: (items) => {
              nodePods.replace(items);
              for (const p of items) notify(p.metadata?.uid);
            },
            upsert: (p) => {
              nodePods.upsert(p);
              notify(p.metadata?.uid);
            },
            remove: (p) => nodePods.remove(p),
          },
          `spec.nodeName=${cfg.nodeName}`,
        ),
      );
      for (const w of watches) w.start();
      // Ready does not wait for the API: the agent runs without it, and says so.
    },
    async stop() {
      stopped = true;
      for (const w of watches.splice(0)) w.stop();
      sourceUp.set({ source: 'kubernetes' }, 0);
    },
  };
}
