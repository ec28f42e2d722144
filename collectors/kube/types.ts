import type { PodBasics } from '../model.js';

/** The parts of Kubernetes objects (as the API serves them in JSON) that vigil reads. */
export interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly ownerReferences?: readonly OwnerReference[];
}

export interface KubeObject {
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
}

export interface PodJson extends KubeObject {
  readonly spec?: { readonly nodeName?: string; readonly hostNetwork?: boolean };
  readonly status?: { readonly podIP?: string; readonly podIPs?: readonly { readonly ip: string }[]; readonly phase?: string };
}

export interface ListJson<T> {
  readonly kind?: string;
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly T[];
}

/** One line of a watch stream. */
export interface WatchEventJson<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T & { readonly code?: number; readonly reason?: string; readonly message?: string };
}

/** The workload a pod belongs to, as vigil names it (k8s.workload.kind / name). */
export interface WorkloadRef {
  readonly kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'Pod' | string;
  readonly name: string;
}

/** A pod of this node, as vigil keeps it (not the whole object). */
export interface PodMeta extends PodBasics {
  /** The controller owner as the pod names it (ReplicaSet, Job, StatefulSet, DaemonSet...). */
  readonly owner?: { readonly kind: string; readonly name: string };
  /** The owner resolved to the workload (ReplicaSet -> Deployment, Job -> CronJob). */
  readonly workload: WorkloadRef;
}

/** What the cluster-wide index keeps per pod: enough to name a connection peer. */
export interface PeerMeta {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly workload: WorkloadRef;
}
