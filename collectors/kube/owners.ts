import type { OwnerReference, WorkloadRef } from './types.js';

/**
 * Owners of owners, learned from ReplicaSet and Job objects: `ns/name` of a
 * ReplicaSet -> its Deployment, of a Job -> its CronJob. Only these two kinds
 * have a second level that names the workload.
 */
export interface OwnerBook {
  ownerOf(kind: 'ReplicaSet' | 'Job', namespace: string, name: string): string | undefined;
  /** Whether that kind's objects are watched (else names are derived). */
  knows(kind: 'ReplicaSet' | 'Job'): boolean;
}

export function controllerOf(refs: readonly OwnerReference[] | undefined): OwnerReference | undefined {
  if (!refs || refs.length === 0) return undefined;
  return refs.find((r) => r.controller === true) ?? refs[0];
}

/**
 * The workload of a pod from its controller owner reference: a ReplicaSet's
 * Deployment and a Job's CronJob come from the owner book; where the book
 * does not watch that kind (no RBAC for it), the ReplicaSet's Deployment is
 * its name minus the pod's `-<pod-template-hash>` (the Deployment controller
 * names it so), and a Job stays a Job. No owner: a bare Pod.
 */
export function resolveWorkload(namespace: string, podName: string, labels: Readonly<Record<string, string>>, owner: OwnerReference | undefined, book: OwnerBook | undefined): WorkloadRef {
  if (!owner) return { kind: 'Pod', name: podName };
  if (owner.kind === 'ReplicaSet') {
    if (book?.knows('ReplicaSet')) {
      const deploy = book.ownerOf('ReplicaSet', namespace, owner.name);
      return deploy !== undefined ? { kind: 'Deployment', name: deploy } : { kind: 'ReplicaSet', name: owner.name };
    }
    const hash = labels['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  if (owner.kind === 'Job') {
    const cron = book?.ownerOf('Job', namespace, owner.name);
    return cron !== undefined ? { kind: 'CronJob', name: cron } : { kind: 'Job', name: owner.name };
  }
  return { kind: owner.kind, name: owner.name };
}
