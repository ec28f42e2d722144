import type { ContainerCollector } from '../../collectors/cgroups/index.js';
import type { PodAddressBook } from '../../collectors/podnet/index.js';
import type { HostScanner } from '../../collectors/scan/index.js';
import { identityOfContainerInfo } from './identity.js';
import type { EdgeLookups } from './tracker.js';

/**
 * The edge tracker's lookups over the agent's tables: who owns an address
 * (the pod address book) and what a container is called. A container the
 * runtime has not described yet (no name, no pod) has no identity: the
 * tracker asks again later rather than caching a bare id.
 */
export function podConnectionLookups(containers: Pick<ContainerCollector, 'get'>, addresses: Pick<PodAddressBook, 'owner'>): EdgeLookups {
  return {
    addressOwner: (ip) => addresses.owner(ip),
    containerIdentity: (id) => {
      const c = containers.get(id);
      return c && (c.name !== undefined || c.k8s !== undefined) ? identityOfContainerInfo(c) : undefined;
    },
  };
}

/**
 * Keeps the pod address book in line with the process table: after every
 * scan that added or removed a process, one process per network namespace
 * is handed to the book, then `invalidate` (the tracker's cached
 * identities) runs. Subscribe it before the event layer: onScan listeners
 * run in subscription order, so a scan's addresses are known before its
 * sockets become connect/accept events. Returns the unsubscribe.
 */
export function refreshPodAddressesOnScan(scanner: Pick<HostScanner, 'onScan' | 'processes'>, addresses: Pick<PodAddressBook, 'refresh'>, invalidate: () => void): () => void {
  return scanner.onScan(({ processes }) => {
    if (processes.added.length === 0 && processes.removed.length === 0) return;
    const onePerNetns = new Map<number, { netns: number; pid: number; containerId?: string }>();
    for (const p of scanner.processes.list()) {
      if (!p.partial && p.netns !== 0 && !onePerNetns.has(p.netns)) onePerNetns.set(p.netns, { netns: p.netns, pid: p.pid, containerId: p.containerId });
    }
    addresses.refresh(onePerNetns.values());
    invalidate();
  });
}
