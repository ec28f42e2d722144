import type { CollectorDeps } from '../../core/deps.js';
import type { EdgeFields, VigilEvent } from '../../rules/event.js';
import type { Component } from '../../core/component.js';
import { createBaseline, type Baseline } from './baseline.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { addressIdentity, edgeKey, HOST, ownIdentity, type Identity } from './identity.js';

export interface EdgeTrackerConfig {
  /** Baseline file; without it learning is off and edge.new is always false (allowlist-only). */
  readonly baselinePath?: string;
  readonly learningWindowMs: number;
  /** Pod and service CIDRs: an address inside one that no local pod owns is `ip:<addr>`, not external. */
  readonly clusterCidrs: readonly string[];
  readonly maxEdges: number;
  readonly persistIntervalMs: number;
  /** How long a peer address → identity answer is reused (pod IPs get reused after a pod dies). */
  readonly identityCacheMs?: number;
  readonly now?: () => number;
}

export interface AddressOwnerLike {
  readonly netns?: number;
  /** The node's own netns: its addresses are the host's even when host-network pods share it. */
  readonly host?: boolean;
  readonly containerId?: string;
  /** Every container of the owning netns (a pod's containers share it). */
  readonly containerIds?: readonly string[];
}

/** What the agent knows and the tracker asks; both are in-memory lookups. */
export interface EdgeLookups {
  /** The local netns owning an IP (collectors/podnet); `host`, or no host flag and no container, means the host. */
  addressOwner(ip: string): AddressOwnerLike | undefined;
  /** A container of the agent's table as an identity; undefined for a pod sandbox or an unknown id. */
  containerIdentity(containerId: string): Identity | undefined;
  /** A pod on another node holding this IP, from the Kubernetes API's pod-IP index (when there is an API). */
  peerIdentity?(ip: string): Identity | undefined;
}

export interface EdgeTracker extends Component {
  /** The event with `edge` set when it is a connect/accept with both ends; any other event as is. */
  annotate(event: VigilEvent): VigilEvent;
  /** Forget cached peer identities (call after the address book or the container table changed). */
  invalidate(): void;
  readonly baseline: Baseline;
}

const MAX_CACHE = 8192;
const LOOPBACK = /^(127\.|::1$)/;

/**
 * Turns connect/accept events into edges between workload identities and
 * classifies them against the learned baseline. Runs on the event hot path:
 * lookups are in-memory and cached, and the baseline writes from a timer.
 *
 * Key symmetry: a connection between two pods of this node is seen twice,
 * as `connect` in the client's netns and `accept` in the server's; both give
 * the same key because the server side is named from the listening socket's
 * owner (learned from listen/accept events) and the client's container is
 * the pod's only non-sandbox container. A client pod with several containers
 * is named by the first of them in container-id order from the server's
 * side: known-weak.
 */
export function createEdgeTracker(deps: CollectorDeps, cfg: EdgeTrackerConfig, lookups: EdgeLookups): EdgeTracker {
  const now = cfg.now ?? Date.now;
  const cidrs: Cidr[] = cfg.clusterCidrs.map(parseCidr);
  const cacheMs = cfg.identityCacheMs ?? 10_000;
  const baseline = createBaseline(deps, {
    path: cfg.baselinePath,
    learningWindowMs: cfg.learningWindowMs,
    maxEdges: cfg.maxEdges,
    persistIntervalMs: cfg.persistIntervalMs,
    now,
  });
  /** `<netns>:<port>` → the identity listening there, so a connect names the server precisely. */
  const listeners = new Map<string, Identity>();
  const peers = new Map<string, { netns?: number; identity: Identity; untilMs: number }>();
  /** Container id → own identity: fixed for a container's life, and rebuilding it costs label copies. */
  const own = new Map<string, Identity>();
  let started = false;
  let stopped = false;

  const inCluster = (ip: string): boolean => cidrs.some((c) => cidrContains(c, ip));

  function remember<K, V>(map: Map<K, V>, k: K, v: V): void {
    if (map.size >= MAX_CACHE) map.clear(); // crude but bounded; refills from the next events
    map.set(k, v);
  }

  /** Who an address is: a local netns's container (or the host), else by cluster CIDR. Cached per address. */
  function resolve(ip: string): { netns?: number; identity: Identity } {
    const t = now();
    const hit = peers.get(ip);
    if (hit && hit.untilMs > t) return hit;
    const owner = lookups.addressOwner(ip);
    let identity: Identity;
    const ids = owner?.containerIds ?? (owner?.containerId !== undefined ? [owner.containerId] : []);
    if (!owner || (owner.host === false && ids.length === 0)) identity = lookups.peerIdentity?.(ip) ?? addressIdentity(ip, !inCluster(ip));
    else if (owner.host === true || ids.length === 0) identity = HOST;
    else {
      const named = [...ids]
        .sort()
        .map((id) => lookups.containerIdentity(id))
        .find((i) => i !== undefined);
      // A netns whose containers are not in the table yet: still an address of the cluster.
      identity = named ?? addressIdentity(ip, false);
    }
    const entry = { netns: owner?.netns, identity, untilMs: t + cacheMs };
    // A container the runtime has not described yet gets its pod name soon: do not pin the fallback.
    const provisional = owner !== undefined && owner.host !== true && ids.length > 0 && identity.kind === 'ip';
    if (!provisional) remember(peers, ip, entry);
    return entry;
  }

  function selfIdentity(e: VigilEvent): Identity {
    const id = e.container?.id;
    // A bare `{ id }` container (not enriched yet) is not cached: it gets its pod name later.
    if (id === undefined || (!e.k8s && e.container?.name === undefined)) return ownIdentity(e);
    const known = own.get(id);
    if (known) return known;
    const ident = ownIdentity(e);
    remember(own, id, ident);
    return ident;
  }

  function peerIdentity(ip: string, serverPort: number | undefined): Identity {
    const { netns, identity } = resolve(ip);
    // The server's container is whoever listens on the port, not the netns's first container.
    if (serverPort !== undefined && netns !== undefined) return listeners.get(`${netns}:${serverPort}`) ?? identity;
    return identity;
  }

  function annotate(event: VigilEvent): VigilEvent {
    if (!started || stopped) return event;
    const fd = event.fd;
    if (!fd) return event;
    if (event.type === 'listen') {
      const port = fd.lport ?? fd.sport;
      if (fd.netns !== undefined && port !== undefined) remember(listeners, `${fd.netns}:${port}`, selfIdentity(event));
      return event;
    }
    if (event.type !== 'connect' && event.type !== 'accept' && event.type !== 'accept4') return event;
    const outbound = fd.direction ? fd.direction === 'out' : event.type === 'connect';
    const peerIp = outbound ? fd.sip : fd.cip;
    const port = fd.sport;
    if (!peerIp || port === undefined || port <= 0) return event;
    const plain = peerIp.startsWith('::ffff:') && peerIp.includes('.') ? peerIp.slice(7) : peerIp;
    if (LOOPBACK.test(plain) || plain === '0.0.0.0' || plain === '::') return event; // inside one netns: no edge between workloads
    const self = selfIdentity(event);
    if (!outbound && fd.netns !== undefined) remember(listeners, `${fd.netns}:${port}`, self);
    const peer = peerIdentity(plain, outbound ? port : undefined);
    const [src, dst] = outbound ? [self, peer] : [peer, self];
    const proto = fd.l4proto ?? 'tcp';
    const verdict = baseline.observe(src, dst, port, proto);
    const edge: EdgeFields = {
      src: src.id,
      dst: dst.id,
      port,
      proto,
      key: edgeKey(src.id, dst.id, port, proto),
      learning: verdict.learning,
      isNew: verdict.isNew,
      external: peer.kind === 'external',
    };
    return { ...event, edge };
  }

  async function stop(): Promise<void> {
    stopped = true;
    await baseline.close();
  }

  return {
    name: 'edge-tracker',
    baseline,
    annotate,
    invalidate() {
      peers.clear();
    },
    async start(signal) {
      if (stopped || signal.aborted || started) return;
      await baseline.load();
      started = true;
      signal.addEventListener('abort', () => void stop(), { once: true });
    },
    stop,
  };
}
