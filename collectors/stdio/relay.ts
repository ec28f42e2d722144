import type { ProcessInfo, SocketInfo } from '../model.js';
import { ptsIndex, readRelayFds, readUnixInodes, type RelayFds } from './fd-table.js';

/** One of a process's stdio fds leading to a network socket. */
export interface StdioLink {
  readonly fd: 0 | 1 | 2;
  readonly socket: SocketInfo;
  /** The process that holds the socket when the fd reaches it through a pipe, pty or Unix socketpair. */
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
 * catch `nc host port | sh`, named-pipe loops and `socat exec:sh,pty`. A
 * stdio fd that is a Unix socket (`socat ... EXEC:sh` without pty gives the
 * shell one end of a socketpair) is followed the same way, to the holder of
 * its peer.
 */
export function findStdioLinks(p: ProcessInfo, lookups: StdioLookups, searchRelays: boolean): StdioLink[] {
  const links: StdioLink[] = [];
  const pipes = new Map<number, Array<0 | 1 | 2>>();
  const ptys = new Map<number, Array<0 | 1 | 2>>();
  const unix = new Map<number, Array<0 | 1 | 2>>();
  for (const fd of [0, 1, 2] as const) {
    const target = p.stdio[fd];
    if (target.kind === 'socket') {
      const socket = lookups.socketByInode(target.inode);
      if (socket && hasPeer(socket)) links.push({ fd, socket });
      // Not a TCP/UDP socket the table knows: possibly a Unix socket to a relay.
      else if (!socket) push(unix, target.inode, fd);
    } else if (target.kind === 'pipe') {
      push(pipes, target.inode, fd);
    } else if (target.kind === 'tty') {
      const index = ptsIndex(target.path);
      if (index !== undefined) push(ptys, index, fd);
    }
  }
  if (searchRelays && (pipes.size > 0 || ptys.size > 0 || unix.size > 0)) links.push(...relayLinks(p, lookups, pipes, ptys, unix));
  return links.sort((a, b) => a.fd - b.fd);
}

function push<K>(map: Map<K, Array<0 | 1 | 2>>, key: K, fd: 0 | 1 | 2): void {
  const fds = map.get(key);
  if (fds) fds.push(fd);
  else map.set(key, [fd]);
}

/**
 * Whether the stdio socket is a Unix socket of the process's netns (from
 * /proc/<pid>/net/unix, read only once a relay holds its neighbour): a
 * netlink or packet socket on stdio is no relay, and its inode neighbours
 * mean nothing.
 */
function isUnixSocket(p: ProcessInfo, procRoot: string, inode: number, cache: { inodes?: ReadonlySet<number> | null }): boolean {
  if (cache.inodes === undefined) cache.inodes = readUnixInodes(procRoot, p.pid) ?? null;
  return cache.inodes?.has(inode) ?? false;
}

/**
 * The peer of a socketpair end. A netlink socket in the process's netns
 * (sock_diag UNIX with UDIAG_SHOW_PEER) would name it, but Node cannot enter
 * a container's netns and /proc/net/unix lists no peers; socketpair(2)
 * allocates its two sockets one after the other, so their inodes are
 * adjacent. The holder must also have a connected network socket, which
 * keeps a coincidental neighbour from counting.
 */
function socketpairPeers(inode: number): readonly number[] {
  return [inode + 1, inode - 1];
}

/** How far up the tree a relay is looked for besides socket owners: ncat -e, socat and pty.spawn are the parent. */
const RELAY_ANCESTORS = 2;

/**
 * Candidates are the owners of connected sockets in the process's netns, and
 * its parent and grandparent (whose socket the socket table may attribute to
 * the shell alone when the shell inherited a copy of it).
 */
function relayLinks(p: ProcessInfo, lookups: StdioLookups, pipes: Map<number, Array<0 | 1 | 2>>, ptys: Map<number, Array<0 | 1 | 2>>, unix: Map<number, Array<0 | 1 | 2>>): StdioLink[] {
  const links: StdioLink[] = [];
  const linked = new Set<number>();
  let wanted = 0;
  for (const fds of [...pipes.values(), ...ptys.values(), ...unix.values()]) wanted += fds.length;

  const candidates = new Map<number, SocketInfo | undefined>();
  let ancestor = p.ppid;
  for (let depth = 0; depth < RELAY_ANCESTORS && ancestor > 1; depth++) {
    candidates.set(ancestor, undefined);
    ancestor = lookups.process(ancestor)?.ppid ?? 0;
  }
  // A socketpair's other end is held by whoever forked the process (socat
  // EXEC, a relay script): only pipes and ptys send the search through the
  // netns's socket owners. A host shell logging to journald must not cost 64 fd tables.
  if (pipes.size > 0 || ptys.size > 0) {
    for (const socket of lookups.socketsInNetns(p.netns)) {
      if (!hasPeer(socket)) continue;
      for (const owner of socket.pids) if (owner !== p.pid && !candidates.get(owner)) candidates.set(owner, socket);
    }
  }
  const unixCache: { inodes?: ReadonlySet<number> | null } = {};

  let opened = 0;
  for (const [pid, knownSocket] of candidates) {
    const holder = lookups.process(pid);
    // A pts index is only unique within one devpts instance, i.e. one container.
    if (holder && holder.containerId !== p.containerId) continue;
    if (opened++ >= MAX_RELAY_CANDIDATES) break;
    const fds = readRelayFds(lookups.procRoot, pid);
    if (!fds) continue;
    const socket = knownSocket ?? connectedSocketIn(fds, lookups);
    if (!socket) continue;
    const relay = { pid, name: holder?.comm ?? '' };
    for (const [inode, stdioFds] of pipes) {
      for (const fd of stdioFds) {
        // Our output must be read by the relay; our input must be written by it.
        const otherEnd = fd === 0 ? fds.pipesWritten.has(inode) : fds.pipesRead.has(inode);
        if (otherEnd && !linked.has(fd)) {
          linked.add(fd);
          links.push({ fd, socket, relay });
        }
      }
    }
    const linkAll = (stdioFds: readonly (0 | 1 | 2)[]): void => {
      for (const fd of stdioFds) {
        if (!linked.has(fd)) {
          linked.add(fd);
          links.push({ fd, socket, relay });
        }
      }
    };
    for (const [index, stdioFds] of ptys) if (fds.ptyMasters.has(index)) linkAll(stdioFds);
    // A stream socketpair carries both ways: every stdio fd on it is linked.
    for (const [inode, stdioFds] of unix) {
      if (socketpairPeers(inode).some((peer) => fds.sockets.has(peer)) && isUnixSocket(p, lookups.procRoot, inode, unixCache)) linkAll(stdioFds);
    }
    if (linked.size === wanted) break;
  }
  return links;
}

function connectedSocketIn(fds: RelayFds, lookups: StdioLookups): SocketInfo | undefined {
  for (const inode of fds.sockets) {
    const socket = lookups.socketByInode(inode);
    if (socket && hasPeer(socket)) return socket;
  }
  return undefined;
}
