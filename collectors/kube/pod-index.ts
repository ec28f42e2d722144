import { controllerOf, resolveWorkload, type OwnerBook } from './owners.js';
import { podIps } from './pod-meta.js';
import type { PeerMeta, PodJson, PodMeta } from './types.js';

interface PeerRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly ownerKind?: string;
  readonly ownerName?: string;
  /** The only label the workload needs (a ReplicaSet's Deployment without RS access). */
  readonly templateHash?: string;
  readonly ips: readonly string[];
}

/**
 * The cluster-wide pod-IP index: pod IP -> the pod that holds it, with just
 * enough to name its workload. Bounded by `maxPods` (pods beyond it are
 * counted, not kept). An IP that moves to another pod belongs to the pod
 * that announced it last; the previous holder's later deletion leaves it.
 * Host-network pods are not indexed: their IP is the node's.
 */
export class PeerIndex {
  private readonly pods = new Map<string, PeerRecord>();
  private readonly byIp = new Map<string, string>();
  dropped = 0;

  constructor(
    private readonly maxPods: number,
    private readonly book: () => OwnerBook | undefined,
  ) {}

  get size(): number {
    return this.pods.size;
  }

  replace(items: readonly PodJson[]): void {
    this.pods.clear();
    this.byIp.clear();
    for (const p of items) this.upsert(p);
  }

  upsert(p: PodJson): void {
    const m = p.metadata;
    if (!m?.uid || !m.name || !m.namespace) return;
    const prev = this.pods.get(m.uid);
    if (!prev && this.pods.size >= this.maxPods) {
      this.dropped++;
      return;
    }
    if (prev) this.unindex(prev);
    const owner = controllerOf(m.ownerReferences);
    const rec: PeerRecord = {
      uid: m.uid,
      namespace: m.namespace,
      name: m.name,
      ...(owner ? { ownerKind: owner.kind, ownerName: owner.name } : {}),
      ...(m.labels?.['pod-template-hash'] ? { templateHash: m.labels['pod-template-hash'] } : {}),
      ips: p.spec?.hostNetwork === true ? [] : podIps(p),
    };
    this.pods.set(rec.uid, rec);
    for (const ip of rec.ips) this.byIp.set(ip, rec.uid);
  }

  remove(p: PodJson): void {
    const uid = p.metadata?.uid;
    const rec = uid !== undefined ? this.pods.get(uid) : undefined;
    if (!rec) return;
    this.pods.delete(rec.uid);
    this.unindex(rec);
  }

  peer(ip: string): PeerMeta | undefined {
    const uid = this.byIp.get(ip);
    const rec = uid !== undefined ? this.pods.get(uid) : undefined;
    if (!rec) return undefined;
    const owner = rec.ownerKind !== undefined ? { kind: rec.ownerKind, name: rec.ownerName! } : undefined;
    const labels: Record<string, string> = rec.templateHash ? { 'pod-template-hash': rec.templateHash } : {};
    return { uid: rec.uid, namespace: rec.namespace, name: rec.name, workload: resolveWorkload(rec.namespace, rec.name, labels, owner, this.book()) };
  }

  private unindex(rec: PeerRecord): void {
    for (const ip of rec.ips) if (this.byIp.get(ip) === rec.uid) this.byIp.delete(ip);
  }
}

/** This node's pods by uid, with labels and annotations; workloads resolved on read. */
export class NodePods {
  private readonly pods = new Map<string, PodJson>();

  constructor(private readonly book: () => OwnerBook | undefined) {}

  get size(): number {
    return this.pods.size;
  }

  replace(items: readonly PodJson[]): void {
    this.pods.clear();
    for (const p of items) this.upsert(p);
  }

  upsert(p: PodJson): void {
    const uid = p.metadata?.uid;
    if (uid) this.pods.set(uid, slim(p));
  }

  remove(p: PodJson): void {
    const uid = p.metadata?.uid;
    if (uid) this.pods.delete(uid);
  }

  get(uid: string): PodMeta | undefined {
    const p = this.pods.get(uid);
    const m = p?.metadata;
    if (!p || !m?.uid || !m.name || !m.namespace) return undefined;
    const labels = m.labels ?? {};
    const owner = controllerOf(m.ownerReferences);
    return {
      uid: m.uid,
      namespace: m.namespace,
      name: m.name,
      labels,
      annotations: m.annotations ?? {},
      ips: podIps(p),
      hostNetwork: p.spec?.hostNetwork === true,
      ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
      workload: resolveWorkload(m.namespace, m.name, labels, owner, this.book()),
    };
  }

  list(): PodMeta[] {
    return [...this.pods.keys()].flatMap((uid) => this.get(uid) ?? []);
  }
}

/** Only what vigil reads: a pod's spec and status are mostly containers it does not need. */
function slim(p: PodJson): PodJson {
  const m = p.metadata ?? {};
  return {
    metadata: {
      uid: m.uid,
      name: m.name,
      namespace: m.namespace,
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
      ...(m.ownerReferences ? { ownerReferences: m.ownerReferences.map((o) => ({ kind: o.kind, name: o.name, controller: o.controller })) } : {}),
    },
    spec: { hostNetwork: p.spec?.hostNetwork === true },
    status: { ...(p.status?.podIP ? { podIP: p.status.podIP } : {}), ...(p.status?.podIPs ? { podIPs: p.status.podIPs.map((x) => ({ ip: x.ip })) } : {}) },
  };
}
