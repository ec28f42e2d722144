import type { SocketInfo } from '../../collectors/model.js';
import type { FdFields, VigilEvent } from '../../rules/event.js';
import { hasPeer } from '../../collectors/stdio/index.js';
import { baseEvent, type EventContext } from './context.js';
import { getOrInsert } from '../../core/collections.js';

/** Ports listening per network namespace: how an established socket's direction is told. */
export type ListeningIndex = Map<number, Set<number>>;

export function listeningIndex(sockets: Iterable<SocketInfo>): ListeningIndex {
  const index: ListeningIndex = new Map();
  for (const s of sockets) {
    if (s.state !== 'LISTEN') continue;
    const ports = getOrInsert(index, s.netns, () => new Set());
    ports.add(s.localPort);
  }
  return index;
}

export function directionOf(s: SocketInfo, listening: ListeningIndex): 'in' | 'out' {
  return listening.get(s.netns)?.has(s.localPort) ? 'in' : 'out';
}

/** Falco's fd.* for a socket, seen from the side that holds it. */
export function socketFd(s: SocketInfo, direction: 'in' | 'out', num?: number): FdFields {
  const v6 = (s.proto === 'tcp6' || s.proto === 'udp6') && s.localAddr.includes(':');
  const [cip, cport, sip, sport] = direction === 'out' ? [s.localAddr, s.localPort, s.remoteAddr, s.remotePort] : [s.remoteAddr, s.remotePort, s.localAddr, s.localPort];
  return {
    type: v6 ? 'ipv6' : 'ipv4',
    num,
    l4proto: s.proto.startsWith('tcp') ? 'tcp' : 'udp',
    cip,
    cport,
    sip,
    sport,
    lip: s.localAddr,
    lport: s.localPort,
    rip: s.remoteAddr,
    rport: s.remotePort,
    name: s.state === 'LISTEN' ? `${endpoint(s.localAddr, s.localPort, v6)}` : `${endpoint(cip, cport, v6)}->${endpoint(sip, sport, v6)}`,
    netns: s.netns,
    direction,
  };
}

function endpoint(addr: string, port: number, v6: boolean): string {
  return v6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** connect / accept / listen events for sockets that appeared since the last scan. */
export function socketEvents(added: readonly SocketInfo[], listening: ListeningIndex, ctx: EventContext): VigilEvent[] {
  const events: VigilEvent[] = [];
  for (const s of added) {
    const listen = s.state === 'LISTEN';
    if (!listen && !hasPeer(s)) continue;
    const owner = s.pids.map((pid) => ctx.process(pid)).find((p) => p !== undefined);
    const direction = listen ? 'in' : directionOf(s, listening);
    const type = listen ? 'listen' : direction === 'in' ? 'accept' : 'connect';
    const event = baseEvent(ctx, type, owner, ctx.containerOfNetns(s.netns));
    event.fd = listen ? socketFd(s, direction) : { ...socketFd(s, direction), connected: true };
    // An established socket's connect returned 0 (or EINPROGRESS, then completed):
    // Falco's `outbound` macro asks exactly `evt.rawres >= 0 or evt.res = EINPROGRESS`.
    // An accept's result is the new fd's number, which the socket table does not know.
    if (type === 'connect') event.rawres = 0;
    events.push(event);
  }
  return events;
}
