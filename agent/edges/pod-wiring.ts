import type { ContainerCollector } from '../../collectors/cgroups/index.js';
import type { PodAddressBook } from '../../collectors/podnet/index.js';
import type { HostScanner } from '../../collectors/scan/index.js';
import type { PodLookup } from '../events/enrich.js';
import { type Identity, identityOfContainerInfo } from './identity.js';
import type { EdgeLookups } from './tracker.js';

/**
 * The edge tracker's lookups over the agent's tables: who owns an address
 * (the pod address book) and what a container is called. A container the
 * runtime has not described yet (no name, no pod) has no identity: the
 * tracker asks again later rather than caching a bare id.
 */
export function podConnectionLookups(
  containers: Pick<ContainerCollector, 'get'>,
  addresses: Pick<PodAddressBook, 'owner'>,
  api: { readonly pods?: PodLookup; readonly peerIdentity?: (ip: string) => Identity | undefined } = {},
): EdgeLookups {
  return {
    addressOwner: (ip) => addresses.owner(ip),
    containerIdentity: (id) => {
      const c = containers.get(id);
      return c && isDescribed(containers, id) ? identityOfContainerInfo(c, api.pods) : undefined;
    },
    ...(api.peerIdentity ? { peerIdentity: api.peerIdentity } : {}),
  };
}

/** Whether the runtime has named a container yet (a name or a pod): only then does it have a workload identity. */
export function isDescribed(containers: Pick<ContainerCollector, 'get'>, id: string): boolean {
  const c = containers.get(id);
  return c !== undefined && (c.name !== undefined || c.k8s !== undefined);
}

/**
 * Keeps the pod address book in line with the process table: after every
 * scan, not only one that added or removed processes (a pod's first
 * processes usually arrive through the exec watcher, already in the table,
 * so not `added`, and its netns must be known before the first connection
 * event names its address), one process per network namespace is handed to
 * the book (namespaces already read are kept); when it read or dropped one,
 * `invalidate` (the tracker's cached identities) runs. Subscribe it before
 * the event layer: onScan listeners run in subscription order, so a scan's
 * addresses are known before its sockets become connect/accept events.
 * Returns the unsubscribe.
 */
export function refreshPodAddressesOnScan(scanner: Pick<HostScanner, 'onScan' | 'processes'>, addresses: Pick<PodAddressBook, 'refresh'>, invalidate: () => void): () => void {
  return scanner.onScan(() => {
    const onePerNetns = new Map<number, { netns: number; pid: number; containerId?: string }>();
    for (const p of scanner.processes.list()) {
      if (!p.partial && p.netns !== 0 && !onePerNetns.has(p.netns)) onePerNetns.set(p.netns, { netns: p.netns, pid: p.pid, containerId: p.containerId });
    }
    const { read, dropped } = addresses.refresh(onePerNetns.values());
    if (read > 0 || dropped > 0) invalidate();
  });
}
