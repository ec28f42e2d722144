import type { PeerMeta } from '../../collectors/kube/index.js';
import type { ContainerInfo } from '../../collectors/model.js';
import type { K8sFields, VigilEvent } from '../../rules/event.js';
import { k8sFields, type PodLookup } from '../events/index.js';

export type IdentityKind = 'pod' | 'container' | 'host' | 'ip' | 'external';

/**
 * One side of an edge. `id` is what keys and rules see; the rest is what a
 * NetworkPolicy export needs to select the same pods again.
 *
 *   pod        <ns>/<kind>/<workload>/<container>   kind is the controller
 *              (Deployment, StatefulSet, ...) or `app` when only the app label names it
 *   container  container/<name>                     a container outside Kubernetes
 *   host       host                                  the node itself (host network)
 *   ip         ip:<addr>                             in a cluster CIDR, not on this node
 *   external   external:<addr>                       outside every cluster CIDR
 */
export interface Identity {
  readonly id: string;
  readonly kind: IdentityKind;
  readonly ns?: string;
  readonly workloadKind?: string;
  readonly workload?: string;
  readonly container?: string;
  /** A stable subset of the pod's labels (see stableLabels), for podSelector. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly addr?: string;
}

export const HOST: Identity = Object.freeze({ id: 'host', kind: 'host' });

const APP_LABELS = ['app', 'app.kubernetes.io/name'] as const;
const SELECTOR_LABELS = ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'component'] as const;
/** Labels that differ per pod or per rollout: a selector on them would miss the next pod. */
const UNSTABLE_LABELS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
]);

/**
 * The labels a NetworkPolicy should select this workload's pods by: the
 * conventional app labels when there are any, otherwise every label that
 * stays the same across the workload's pods.
 */
export function stableLabels(labels: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of SELECTOR_LABELS) if (labels[k] !== undefined) out[k] = labels[k]!;
  if (Object.keys(out).length > 0) return out;
  for (const k of Object.keys(labels).sort()) if (!UNSTABLE_LABELS.has(k)) out[k] = labels[k]!;
  return out;
}

/**
 * A pod's identity: keyed by its controller rather than the pod, since pods
 * are replaced while the Deployment stays. A bare Pod is keyed by its app
 * label when it has one, so that `kubectl run`-style pods with one app group.
 */
export function podIdentity(k8s: K8sFields): Identity {
  const labels = k8s.podLabels ?? {};
  let workloadKind = k8s.workloadKind;
  let workload = k8s.workloadName;
  if (!workloadKind || !workload || workloadKind === 'Pod') {
    const app = APP_LABELS.map((k) => labels[k]).find((v) => v !== undefined && v !== '');
    if (app !== undefined) {
      workloadKind = 'app';
      workload = app;
    } else {
      workloadKind = 'Pod';
      workload = k8s.workloadName ?? k8s.podName;
    }
  }
  const container = k8s.containerName ?? '-';
  return {
    id: `${k8s.ns}/${workloadKind}/${workload}/${container}`,
    kind: 'pod',
    ns: k8s.ns,
    workloadKind,
    workload,
    container,
    labels: stableLabels(labels),
  };
}

function containerNameIdentity(name: string): Identity {
  return { id: `container/${name}`, kind: 'container', container: name };
}

/** The identity of the side that holds the socket of a connect/accept/listen event. */
export function ownIdentity(e: VigilEvent): Identity {
  if (e.k8s) return podIdentity(e.k8s);
  if (e.container) return containerNameIdentity(e.container.name ?? e.container.id.slice(0, 12));
  return HOST;
}

/**
 * What the agent's `containerIdentity` lookup can return for a container of
 * its table. A pod sandbox (the pause container) holds the pod's netns but
 * never a connection, so it is no identity (undefined).
 */
export function identityOfContainerInfo(c: ContainerInfo, pods?: PodLookup): Identity | undefined {
  if (c.k8s?.container === 'POD' || c.labels['io.cri-containerd.kind'] === 'sandbox') return undefined;
  const k8s = k8sFields(c, pods);
  if (k8s) return podIdentity(k8s);
  return containerNameIdentity(c.name ?? c.id.slice(0, 12));
}

/**
 * A pod on another node, named from the API's cluster-wide pod-IP index by
 * its workload (the container behind a remote address is not known: `-`).
 */
export function peerIdentity(p: PeerMeta): Identity {
  return podIdentity({ ns: p.namespace, podName: p.name, workloadKind: p.workload.kind, workloadName: p.workload.name });
}

export function addressIdentity(addr: string, external: boolean): Identity {
  return external ? { id: `external:${addr}`, kind: 'external', addr } : { id: `ip:${addr}`, kind: 'ip', addr };
}

export function edgeKey(src: string, dst: string, port: number, proto: string): string {
  return `${src} -> ${dst}:${port}/${proto}`;
}
