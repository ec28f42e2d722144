import type { ProcessInfo, SocketInfo } from '../../collectors/model.js';
import { getOrInsert } from '../../core/collections.js';
import { listeningIndex, type ListeningIndex } from './socket-events.js';

/**
 * What the event builders look up per network namespace, rebuilt from the
 * tables on every scan: the sockets of each netns, which ports listen, and
 * the container each netns belongs to (the first container process seen in
 * it: a pod's pause container), for sockets without an owner. The netns map
 * is rebuilt when processes come or go, because the kernel hands a freed
 * netns's inode number to the next netns: an entry kept past its container
 * would name the previous pod.
 */
export class NetnsView {
  private readonly containerOf = new Map<number, string>();
  private readonly sockets = new Map<number, SocketInfo[]>();
  listening: ListeningIndex = new Map();

  constructor(private readonly containerExists: (id: string) => boolean) {}

  /** After a scan: re-index the socket table; with `processesChanged`, the netns owners too. */
  refresh(sockets: Iterable<SocketInfo>, processes: Iterable<ProcessInfo>, processesChanged: boolean): void {
    this.sockets.clear();
    for (const s of sockets) getOrInsert(this.sockets, s.netns, () => []).push(s);
    this.listening = listeningIndex(this.socketList());
    if (!processesChanged) return;
    this.containerOf.clear();
    for (const p of processes) if (p.containerId !== undefined && !this.containerOf.has(p.netns)) this.containerOf.set(p.netns, p.containerId);
  }

  /** A process seen between scans (an exec event): its container may own a netns nobody named yet. */
  note(p: ProcessInfo): void {
    if (p.containerId === undefined) return;
    const known = this.containerOf.get(p.netns);
    if (known === undefined || !this.containerExists(known)) this.containerOf.set(p.netns, p.containerId);
  }

  containerOfNetns(netns: number): string | undefined {
    return this.containerOf.get(netns);
  }

  socketsInNetns(netns: number): readonly SocketInfo[] {
    return this.sockets.get(netns) ?? [];
  }

  private *socketList(): Iterable<SocketInfo> {
    for (const list of this.sockets.values()) yield* list;
  }
}
