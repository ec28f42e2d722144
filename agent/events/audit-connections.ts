import type { SocketInfo } from '../../collectors/model.js';
import { getOrInsert } from '../../core/collections.js';
import type { VigilEvent } from '../../rules/event.js';

/** A connection as the socket table can match it: its far end, or its socket's inode (collectors/netfs OpenedElsewhere). */
export interface RemoteEndpoint {
  readonly ip?: string;
  readonly port?: number;
  readonly inode?: number;
  /** When the syscall happened (the audit record's time). */
  readonly atMs?: number;
}

/** How long an audited connection waits for the scan that would report it again. */
const DEDUPE_MS = 60_000;
const MAX_KEYS = 16_384;
const MAX_OPENS_PER_NETNS = 4_096;
/** connect results after which the kernel counted a TCP open (tcp_connect sent the SYN). */
const TCP_OPENED = new Set([0, -115, -111, -110]); // success, EINPROGRESS, ECONNREFUSED, ETIMEDOUT

const plainIp = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
const key = (pid: number, ip: string, port: number): string => `${pid}|${plainIp(ip)}|${port}`;

/**
 * What the audit source saw of TCP connections, for the two places that
 * would otherwise count them again or not at all:
 * - the socket scan: a connection the audit source reported (by pid and
 *   peer) is not reported a second time when the next scan finds its socket;
 * - the netns TCP counters (vigil_tcp_connections_unobserved_total): a
 *   connection the audit source saw was observed, even if no scan ever
 *   found its socket (`drainOpens`, per netns, handed to the socket table).
 * Bounded: past the limits the oldest entries go, which can only make the
 * unobserved count higher, never hide a connection.
 */
export class AuditedConnections {
  private readonly reported = new Map<string, number[]>();
  /** Connections a scan reported first (its socket was read before the record arrived), by pid and peer. */
  private readonly scanned = new Map<string, number>();
  private readonly opens = new Map<number, { list: RemoteEndpoint[]; lastMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * An audit connect/accept/accept4 event; `tcp` when its socket is known to
   * be TCP (or unknown: by the result); `reportedByScan` when a scan reported
   * it first (nothing left to suppress, the open still counts as observed).
   */
  note(e: VigilEvent, proto: 'tcp' | 'udp' | undefined, reportedByScan = false): void {
    const fd = e.fd;
    const pid = e.proc?.pid;
    if (!fd || pid === undefined || e.rawres === undefined) return;
    const outbound = e.type === 'connect';
    const ip = outbound ? fd.sip : fd.cip;
    const port = outbound ? fd.sport : fd.cport;
    if (ip === undefined || port === undefined) return;
    // A socket the scan can find: a connected one, or one connecting.
    const live = outbound ? e.rawres === 0 || e.rawres === -115 : e.rawres >= 0;
    // An open the TCP counters count; a connect of unknown protocol only by a result UDP never gives.
    const opened = outbound ? TCP_OPENED.has(e.rawres) && (proto === 'tcp' || (proto === undefined && e.rawres !== 0)) : e.rawres >= 0 && fd.l4proto !== 'udp';
    if (live && !reportedByScan) this.remember(key(pid, ip, port));
    if (opened && fd.netns !== undefined) this.opened(fd.netns, { ip: plainIp(ip), port, atMs: e.timeMs });
  }

  /**
   * An accept whose caller asked for no peer address (`accept(fd, NULL,
   * NULL)`: busybox nc, some servers): an open in `netns`, known by its
   * socket's inode while the fd is still open, else by nothing (then no scan
   * can have shown it either).
   */
  noteAnonymousAccept(netns: number, inode: number | undefined, atMs: number): void {
    this.opened(netns, inode === undefined ? { atMs } : { inode, atMs });
  }

  private opened(netns: number, what: RemoteEndpoint): void {
    const opens = getOrInsert(this.opens, netns, () => ({ list: [] as RemoteEndpoint[], lastMs: 0 }));
    opens.lastMs = this.now();
    if (opens.list.length >= MAX_OPENS_PER_NETNS) opens.list.shift();
    opens.list.push(what);
  }

  private remember(k: string): void {
    const until = this.now() + DEDUPE_MS;
    const list = this.reported.get(k);
    if (list) list.push(until);
    else {
      if (this.reported.size >= MAX_KEYS) this.reported.delete(this.reported.keys().next().value!);
      this.reported.set(k, [until]);
    }
  }

  /** A connection socket the scan reported (the audit source had not): its record, when it comes, is not a second event. */
  scanReported(s: SocketInfo): void {
    const until = this.now() + DEDUPE_MS;
    for (const pid of s.pids) {
      if (this.scanned.size >= MAX_KEYS) this.scanned.delete(this.scanned.keys().next().value!);
      this.scanned.set(key(pid, s.remoteAddr, s.remotePort), until);
    }
  }

  /** An audit connect/accept event whose connection a scan already reported (forgotten once asked). */
  reportedByScan(e: VigilEvent): boolean {
    const fd = e.fd;
    const pid = e.proc?.pid;
    const outbound = e.type === 'connect';
    const ip = outbound ? fd?.sip : fd?.cip;
    const port = outbound ? fd?.sport : fd?.cport;
    if (pid === undefined || ip === undefined || port === undefined) return false;
    const k = key(pid, ip, port);
    const until = this.scanned.get(k);
    if (until === undefined) return false;
    this.scanned.delete(k);
    return until >= this.now();
  }

  /** A connection socket the scan found: true (and forgotten) when the audit source already reported it. */
  covered(s: SocketInfo): boolean {
    const t = this.now();
    // A socket whose process was gone by the time its fds were read has no pid: any report of that peer.
    const keys = s.pids.length > 0 ? s.pids.map((pid) => key(pid, s.remoteAddr, s.remotePort)) : this.keysOfPeer(s.remoteAddr, s.remotePort);
    for (const k of keys) {
      const list = this.reported.get(k);
      if (!list) continue;
      while (list.length > 0 && list[0]! < t) list.shift();
      const hit = list.shift() !== undefined;
      if (list.length === 0) this.reported.delete(k);
      if (hit) return true;
    }
    return false;
  }

  /** The TCP connections seen in a netns since the last call. */
  drainOpens(netns: number): readonly RemoteEndpoint[] {
    const entry = this.opens.get(netns);
    if (!entry) return [];
    this.opens.delete(netns);
    return entry.list;
  }

  private keysOfPeer(ip: string, port: number): string[] {
    const tail = `|${plainIp(ip)}|${port}`;
    return [...this.reported.keys()].filter((k) => k.endsWith(tail));
  }

  /** Drops what waits past its time (called once per scan). */
  sweep(): void {
    const t = this.now();
    for (const [k, list] of this.reported) {
      while (list.length > 0 && list[0]! < t) list.shift();
      if (list.length === 0) this.reported.delete(k);
    }
    for (const [k, until] of this.scanned) if (until < t) this.scanned.delete(k);
    // A netns no scan read for this long is gone.
    for (const [netns, entry] of this.opens) if (entry.lastMs + DEDUPE_MS < t) this.opens.delete(netns);
  }
}
