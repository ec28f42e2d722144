import type { ProcessInfo, SocketInfo } from '../model.js';
import { ptsIndex, readRelayFds, type RelayFds } from './fd-table.js';

/** One of a process's stdio fds leading to a network socket. */
export interface StdioLink {
  readonly fd: 0 | 1 | 2;
  readonly socket: SocketInfo;
  /** The process that holds the socket when the fd reaches it through a pipe or pty. */
  readonly relay?: { readonly pid: number; readonly name: string };
}

export interface StdioLookups {
  readonly procRoot: string;
  socketByInode(inode: number): SocketInfo | undefined;
  /** Sockets read from one network namespace. */
  socketsInNetns(netns: number): Iterable<SocketInfo>;
  process(pid: number): ProcessInfo | undefined;
}

/** How many socket owners one relay search may open; bounds the cost on busy nodes. */
const MAX_RELAY_CANDIDATES = 64;

/** A socket that talks to a peer: connected TCP, or UDP with a remote address. */
export function hasPeer(s: SocketInfo): boolean {
  if (s.remotePort === 0) return false;
  if (s.proto === 'tcp' || s.proto === 'tcp6') return s.state === 'ESTABLISHED' || s.state === 'SYN_SENT';
  return true;
}

/**
 * Finds the network sockets behind fds 0-2 of `p`, one link per fd. A direct
 * link (bash's /dev/tcp, `nc -e`, an interpreter's dup2) is read off the fd
 * itself. With `searchRelays`, a pipe or pty on stdio is followed to the
 * process holding its other end, found among the owners of connected sockets
 * in the same network namespace (a far smaller set than the process tree), to
 * catch `nc host port | sh`, named-pipe loops and `socat exec:sh,pty`.
 */
export function findStdioLinks(p: ProcessInfo, lookups: StdioLookups, searchRelays: boolean): StdioLink[] {
  const links: StdioLink[] = [];
  const pipes = new Map<number, Array<0 | 1 | 2>>();
  const ptys = new Map<number, Array<0 | 1 | 2>>();
  for (const fd of [0, 1, 2] as const) {
    const target = p.stdio[fd];
    if (target.kind === 'socket') {
      const socket = lookups.socketByInode(target.inode);
      if (socket && hasPeer(socket)) links.push({ fd, socket });
    } else if (target.kind === 'pipe') {
      push(pipes, target.inode, fd);
    } else if (target.kind === 'tty') {
      const index = ptsIndex(target.path);
      if (index !== undefined) push(ptys, index, fd);
    }
  }
  if (searchRelays && (pipes.size > 0 || ptys.size > 0)) links.push(...relayLinks(p, lookups, pipes, ptys));
  return links.sort((a, b) => a.fd - b.fd);
}

function push<K>(map: Map<K, Array<0 | 1 | 2>>, key: K, fd: 0 | 1 | 2): void {
  const fds = map.get(key);
  if (fds) fds.push(fd);
  else map.set(key, [fd]);
}

function relayLinks(
  p: ProcessInfo,
  lookups: StdioLookups,
  pipes: Map<number, Array<0 | 1 | 2>>,
  ptys: Map<number, Array<0 | 1 | 2>>,
): StdioLink[] {
  const links: StdioLink[] = [];
  const linked = new Set<number>();
  let wanted = 0;
  for (const fds of [...pipes.values(), ...ptys.values()]) wanted += fds.length;
  const fdsOf = new Map<number, RelayFds | undefined>();
  for (const socket of lookups.socketsInNetns(p.netns)) {
    if (!hasPeer(socket)) continue;
    for (const owner of socket.pids) {
      if (owner === p.pid) continue;
      const holder = lookups.process(owner);
      // A pts index is only unique within one devpts instance, i.e. one container.
      if (holder && holder.containerId !== p.containerId) continue;
      if (!fdsOf.has(owner)) {
        if (fdsOf.size >= MAX_RELAY_CANDIDATES) return links;
        fdsOf.set(owner, readRelayFds(lookups.procRoot, owner));
      }
      const fds = fdsOf.get(owner);
      if (!fds) continue;
      const relay = { pid: owner, name: holder?.comm ?? '' };
      for (const [inode, stdioFds] of pipes) {
        if (fds.pipes.has(inode)) for (const fd of stdioFds) if (!linked.has(fd)) { linked.add(fd); links.push({ fd, socket, relay }); }
      }
      for (const [index, stdioFds] of ptys) {
        if (fds.ptyMasters.has(index)) for (const fd of stdioFds) if (!linked.has(fd)) { linked.add(fd); links.push({ fd, socket, relay }); }
      }
      if (linked.size === wanted) return links;
    }
  }
  return links;
}
