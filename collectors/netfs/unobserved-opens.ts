import type { NetRow } from './parse-net.js';
import { snmpTcpColumns, type SnmpTcp } from './tcp-gate.js';

/**
 * TCP connections that no scan saw. The socket table reads each netns's TCP
 * rows once per scan, so a connection opened and closed between two scans
 * (a one-off curl, a port probe, a refused connect) leaves no row and no
 * pod-connection edge. The kernel still counts it: every connect() adds one
 * to the netns's Tcp ActiveOpens and every accepted connection one to
 * PassiveOpens (net/snmp). Between two reads of a netns, the opens the
 * counters gained minus the new connection sockets the rows show is how many
 * went by unseen. Made visible as a metric, so that a blind spot is counted
 * rather than silent.
 *
 * Another source may have seen connections the rows cannot show (the
 * kernel audit source sees every connect and accept): those it reports for
 * the netns (`elsewhere`, by their far end) count as observed, unless a
 * row already shows the same far end (then the row counted it).
 *
 * Approximate at the edges, never negative: an accepted connection still in
 * its listener's accept queue has no inode yet and counts as unseen; a netns
 * whose inode number the kernel handed to a new netns restarts from the new
 * counters when they are lower, and otherwise undercounts by the old ones.
 */
export interface UnobservedOpens {
  /**
   * Records one read of a netns: its `opens` (ActiveOpens + PassiveOpens, or
   * undefined when unreadable), its TCP rows, and the connections another
   * source saw in it since the last read. Returns the connections that went
   * by unseen since its previous read (0 on the first).
   */
  observe(netns: number, opens: number | undefined, rows: readonly NetRow[], elsewhere?: readonly OpenedElsewhere[]): number;
  /** Drops every netns not observed since the last call (they are gone). */
  sweep(): void;
}

/** A TCP connection another source saw, by its far end (the row's remote address and port). */
export interface OpenedElsewhere {
  readonly ip: string;
  readonly port: number;
}

interface NetnsState {
  opens: number;
  connections: Set<number>;
  /** Far ends of those connections (`ip|port`, IPv4-mapped addresses as IPv4). */
  remotes: Set<string>;
  seen: boolean;
}

const farEnd = (ip: string, port: number): string => `${ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip}|${port}`;

/** A row that a connect() or an accept made: anything with an inode but a listener. */
function isConnection(r: NetRow): boolean {
  return r.proto.startsWith('tcp') && r.inode !== 0 && r.state !== 'LISTEN';
}

export function createUnobservedOpens(): UnobservedOpens {
  const byNetns = new Map<number, NetnsState>();
  return {
    observe(netns, opens, rows, elsewhere = []) {
      const prev = byNetns.get(netns);
      if (opens === undefined) {
        if (prev) prev.seen = true;
        return 0;
      }
      if (prev && prev.opens === opens) {
        // Nothing opened: the rows cannot hold a new connection (they may be
        // the cached ones), so the known set stands as it is.
        prev.seen = true;
        return 0;
      }
      const connections = new Set<number>();
      const remotes = new Set<string>();
      let fresh = 0;
      for (const r of rows) {
        if (!isConnection(r)) continue;
        connections.add(r.inode);
        remotes.add(farEnd(r.remoteAddr, r.remotePort));
        if (prev && !prev.connections.has(r.inode)) fresh++;
      }
      let other = 0;
      for (const e of elsewhere) {
        const k = farEnd(e.ip, e.port);
        if (!remotes.has(k) && !prev?.remotes.has(k)) other++;
      }
      byNetns.set(netns, { opens, connections, remotes, seen: true });
      if (!prev || opens < prev.opens) return 0; // first read, or a new netns under a reused inode
      return Math.max(0, opens - prev.opens - fresh - other);
    },
    sweep() {
      for (const [netns, s] of byNetns) {
        if (s.seen) s.seen = false;
        else byNetns.delete(netns);
      }
    },
  };
}

/** Tcp ActiveOpens + PassiveOpens from the text of net/snmp; undefined when absent. */
export function snmpTcpOpens(snmp: string | undefined): number | undefined {
  return tcpOpens(snmp === undefined ? undefined : snmpTcpColumns(snmp));
}

/** snmpTcpOpens from net/snmp's Tcp block already split. */
export function tcpOpens(tcp: SnmpTcp | undefined): number | undefined {
  if (!tcp) return undefined;
  const active = Number(tcp.values[tcp.names.indexOf('ActiveOpens')]);
  const passive = Number(tcp.values[tcp.names.indexOf('PassiveOpens')]);
  return Number.isSafeInteger(active) && Number.isSafeInteger(passive) ? active + passive : undefined;
}
