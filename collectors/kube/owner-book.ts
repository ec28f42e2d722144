import { controllerOf, type OwnerBook } from './owners.js';
import type { KubeObject } from './types.js';

/**
 * ReplicaSet -> Deployment and Job -> CronJob, from the ReplicaSet and Job
 * watches: only `ns/name -> owner name` of those with such a controller.
 */
export class OwnerMap {
  private readonly owners = new Map<string, string>();
  synced = false;

  constructor(private readonly ownerKind: 'Deployment' | 'CronJob') {}

  get size(): number {
    return this.owners.size;
  }

  replace(items: readonly KubeObject[]): void {
    this.owners.clear();
    for (const o of items) this.upsert(o);
    this.synced = true;
  }

  upsert(o: KubeObject): void {
    const m = o.metadata;
    if (!m?.name || !m.namespace) return;
    const c = controllerOf(m.ownerReferences);
    const key = `${m.namespace}/${m.name}`;
    if (c?.kind === this.ownerKind) this.owners.set(key, c.name);
    else this.owners.delete(key);
  }

  remove(o: KubeObject): void {
    const m = o.metadata;
    if (m?.name && m.namespace) this.owners.delete(`${m.namespace}/${m.name}`);
  }

  get(namespace: string, name: string): string | undefined {
    return this.owners.get(`${namespace}/${name}`);
  }
}

export function ownerBook(replicaSets: OwnerMap, jobs: OwnerMap): OwnerBook {
  return {
    knows: (kind) => (kind === 'ReplicaSet' ? replicaSets : jobs).synced,
    ownerOf: (kind, ns, name) => (kind === 'ReplicaSet' ? replicaSets : jobs).get(ns, name),
  };
}
