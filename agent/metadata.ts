import { counter } from '../core/metrics.js';
import type { Component } from '../core/component.js';
import type { CollectorDeps } from '../core/deps.js';
import { createKubeMetadata, KUBE_WATCH_DEFAULTS, loadKubeApi, type KubeMetadata, type PeerMeta, type PodMeta } from '../collectors/kube/index.js';
import { detectCriSocket, metadataSourceUpGauge, type MetadataSource } from '../collectors/runtime/index.js';
import type { HoldOutcome } from './events/enrichment-hold.js';
import type { Readiness } from './readiness.js';

/** `none` turns a socket off; `auto` (CRI only) picks the first usual path that is a socket. */
export function resolveSockets(cfg: { criSocket: string; dockerSocket: string; hostRoot: string }): { cri?: string; docker?: string } {
  const cri = cfg.criSocket === 'none' ? undefined : cfg.criSocket === 'auto' ? detectCriSocket(cfg.hostRoot)?.path : cfg.criSocket;
  const docker = cfg.dockerSocket === 'none' ? undefined : cfg.dockerSocket;
  return { ...(cri ? { cri } : {}), ...(docker ? { docker } : {}) };
}

export interface KubeComponent extends Component {
  pod(uid: string): PodMeta | undefined;
  peer(ip: string): PeerMeta | undefined;
  describe(): string;
  readonly up: boolean;
  readonly configured: boolean;
}

/**
 * The API watch as an agent component: where the API is (kubeconfig,
 * service account, none) is decided at start, since loading the client
 * library is asynchronous; without an API it starts at once and stays off.
 */
export function createKubeComponent(deps: CollectorDeps, cfg: { mode: 'auto' | 'off'; kubeconfig?: string; nodeName: string; maxPods: number }): KubeComponent {
  let inner: KubeMetadata | undefined;
  let stopped = false;
  let reason = 'not started';
  metadataSourceUpGauge(deps.registry).set({ source: 'kubernetes' }, 0);
  return {
    name: 'kubernetes',
    get up() {
      return inner?.up ?? false;
    },
    get configured() {
      return inner?.configured ?? false;
    },
    pod: (uid) => inner?.pod(uid),
    peer: (ip) => inner?.peer(ip),
    describe: () => inner?.describe() ?? `kubernetes API: not used (${reason})`,
    async start(signal) {
      // The kubelet's service env, not a vigil setting: it says where the API is from inside a pod.
      const choice = await loadKubeApi(cfg.mode, cfg.kubeconfig, { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT });
      if (stopped) return;
      if (choice.reason) reason = choice.reason;
      inner = createKubeMetadata(deps, {
        ...KUBE_WATCH_DEFAULTS,
        ...(choice.api ? { api: choice.api } : { unavailableReason: choice.reason }),
        nodeName: cfg.nodeName,
        maxPods: cfg.maxPods,
      });
      await inner.start(signal);
    },
    async stop() {
      stopped = true;
      await inner?.stop();
    },
  };
}

/** vigil_metadata_hold_total{outcome}: events that waited for their container's metadata. */
export function holdCounter(deps: CollectorDeps): (outcome: HoldOutcome, events: number) => void {
  const c = counter(deps.registry, {
    name: 'vigil_metadata_hold_total',
    help: 'Events held until their container was named: enriched (released with the metadata) or gave_up (sent as they were).',
    labelNames: ['outcome'],
  });
  c.inc({ outcome: 'enriched' }, 0);
  c.inc({ outcome: 'gave_up' }, 0);
  return (outcome, events) => c.inc({ outcome }, events);
}

/**
 * Logs, once every source had its first try, which metadata sources the
 * agent found, and adds the `metadata` detail to /readyz (`details.metadata`,
 * current on every request). Never blocks
 * readiness: the agent names what it can with what it has, and says so.
 */
export function createMetadataReport(deps: CollectorDeps, sources: () => readonly MetadataSource[], kube: KubeComponent, readiness: Readiness): Component {
  const summary = (): { named: boolean; detail: string } => {
    const runtimes = sources();
    const parts = runtimes.map((s) => `${s.source}: ${s.describe()}`);
    if (!runtimes.some((s) => s.source === 'cri')) parts.push('cri: none found (criSocket)');
    if (!runtimes.some((s) => s.source === 'docker')) parts.push('docker: off');
    parts.push(kube.describe());
    return { named: runtimes.some((s) => s.up), detail: parts.join('; ') };
  };
  return {
    name: 'metadata',
    async start() {
      readiness.detail('metadata', () => summary().detail);
      const s = summary();
      deps.log.info({ sources: s.detail }, s.named ? 'metadata sources' : 'no container runtime reachable: containers keep their ids, pods are unnamed');
    },
    async stop() {},
  };
}
