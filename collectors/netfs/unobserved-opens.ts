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
 * the netns (`elsewhere`, by their far end or socket inode) count as
 * observed, unless a new row shows the same far end or inode (then the row
 * counted it; each row once).
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

/**
 * A TCP connection another source saw: by its far end (the row's remote
 * address and port), or by its socket's inode, or by neither (an accept
 * whose caller asked for no peer address, its socket already closed: no
 * scan can have shown it).
 */
export interface OpenedElsewhere {
  readonly ip?: string;
  readonly port?: number;
  readonly inode?: number;
}

/** A new connection row: what another source's report of it would name. */
interface FreshRow {
  readonly inode: number;
  /** `ip|port` of the far end, IPv4-mapped addresses as IPv4. */
  readonly end: string;
  explained: boolean;
}

interface NetnsState {
  opens: number;
  connections: Set<number>;
  /** This read's new rows no report explained yet: a report arriving after the read may still (each row once). */
  unexplained: FreshRow[];
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
      const freshRows: FreshRow[] = [];
      for (const r of rows) {
        if (!isConnection(r)) continue;
        connections.add(r.inode);
        if (prev && !prev.connections.has(r.inode)) freshRows.push({ inode: r.inode, end: farEnd(r.remoteAddr, r.remotePort), explained: false });
      }
      // Each report is one open: a new row of this read that shows it (by
      // inode or far end) already counted it, and so did one of the previous
      // read's when the report came after that read; each row explains one
      // report at most (twenty connections to one peer are twenty opens).
      const candidates = [...freshRows, ...(prev?.unexplained ?? [])];
      let other = 0;
      for (const e of elsewhere) {
        const end = e.ip !== undefined && e.port !== undefined ? farEnd(e.ip, e.port) : undefined;
        const row = e.inode === undefined && end === undefined ? undefined : candidates.find((c) => !c.explained && (e.inode !== undefined ? c.inode === e.inode : c.end === end));
        if (row) row.explained = true;
        else other++;
      }
      const fresh = freshRows.length;
      byNetns.set(netns, { opens, connections, unexplained: freshRows.filter((r) => !r.explained), seen: true });
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
