import type { ProcessInfo, SocketInfo } from '../../collectors/model.js';
import { findStdioLinks, type StdioLink } from '../../collectors/stdio/index.js';
import type { VigilEvent } from '../../rules/event.js';
import { baseEvent, type EventContext } from './context.js';
import { directionOf, socketFd, type ListeningIndex } from './socket-events.js';
import { getOrInsert } from '../../core/collections.js';
import { isReverseShellPart } from '../../core/programs.js';

/**
 * Programs whose stdio is worth following through pipes and ptys: a reverse
 * shell is one of these (core/programs.ts) with its output wired to the
 * network. Relay search opens other processes' fd tables, so it is kept to
 * them.
 */
/** By name (core/programs.ts), or by executable identity: a renamed shell and busybox's `sh` applet are searched too. */
export function searchesRelays(p: Pick<ProcessInfo, 'comm' | 'exeClass'>): boolean {
  return isReverseShellPart(p.comm) || p.exeClass !== undefined;
}

/**
 * Remembers which (process image, socket) pairs already produced a dup
 * event, so a reverse shell alerts once, not on every scan or re-inspection.
 * The process image is part of the key: `nc -e /bin/sh` dup2s the socket
 * and then execs the shell in the same pid, and a scan that read it as nc in
 * between must not use up the shell's event.
 */
export class DupMemory {
  private readonly seen = new Map<string, Set<string>>();

  firstTime(p: ProcessInfo, socketInode: number): boolean {
    const key = `${p.pid}:${p.startTicks}`;
    const pairs = getOrInsert(this.seen, key, () => new Set());
    const pair = `${p.comm}\0${p.exe}\0${p.args[0] ?? ''}\0${socketInode}`;
    if (pairs.has(pair)) return false;
    pairs.add(pair);
    return true;
  }

  forget(p: ProcessInfo): void {
    this.seen.delete(`${p.pid}:${p.startTicks}`);
  }
}

/** Linux's default ip_local_port_range: where a connecting side's port comes from. */
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;
const isEphemeral = (port: number): boolean => port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH;

/**
 * Whether the stdio socket was accepted (a bind shell) or connected (a
 * reverse shell). A listener the table shows decides; but `nc -l -e sh` and
 * `socat TCP-LISTEN:p` without fork close their listener once they accept,
 * often before any scan saw it, so an accepted socket is also told by its
 * ports: a fixed local port facing an ephemeral remote one. Both ports
 * ephemeral stays `out` (a reverse shell, the more common reading).
 */
export function stdioSocketDirection(s: SocketInfo, listening: ListeningIndex): 'in' | 'out' {
  if (directionOf(s, listening) === 'in') return 'in';
  return !isEphemeral(s.localPort) && isEphemeral(s.remotePort) ? 'in' : 'out';
}

/**
 * A relayed shell only serves a peer if it can also read what the peer
 * sends: its stdin is a socket, pipe or terminal. A script whose output is
 * merely piped to nc (`(echo hi) | nc host port`, stdin /dev/null) is not.
 */
function mayTakeInput(p: ProcessInfo): boolean {
  const kind = p.stdio[0].kind;
  return kind === 'socket' || kind === 'pipe' || kind === 'tty';
}

/**
 * `dup` events for a process whose stdio reaches a network socket. One event
 * per (process, socket): evt.rawres is the output fd (1, then 2) when the
 * output reaches the socket, else 0, so rules can ask for the output side.
 * A direct link is reported whatever the fd, as Falco reports the dup2; a
 * relayed one only when the process's output goes to the network and its
 * stdin can carry input — stdin alone fed from a download (`curl … | sh`),
 * or output alone piped to a socket, is not a shell served to a peer.
 */
export function dupEvents(p: ProcessInfo, ctx: EventContext, listening: ListeningIndex, memory: DupMemory): VigilEvent[] {
  const links = findStdioLinks(p, ctx, searchesRelays(p));
  if (links.length === 0) return [];
  const bySocket = new Map<number, StdioLink[]>();
  for (const link of links) {
    const group = bySocket.get(link.socket.inode);
    if (group) group.push(link);
    else bySocket.set(link.socket.inode, [link]);
  }
  const events: VigilEvent[] = [];
  for (const [inode, group] of bySocket) {
    const output = group.find((l) => l.fd === 1) ?? group.find((l) => l.fd === 2);
    const chosen = output ?? group[0]!;
    if (chosen.relay && !(output && mayTakeInput(p))) continue;
    if (!memory.firstTime(p, inode)) continue;
    const event = baseEvent(ctx, 'dup', p);
    event.rawres = chosen.fd;
    const fd = socketFd(chosen.socket, stdioSocketDirection(chosen.socket, listening), chosen.fd);
    event.fd = chosen.relay ? { ...fd, relayPid: chosen.relay.pid, relayName: chosen.relay.name } : fd;
    events.push(event);
  }
  return events;
}
