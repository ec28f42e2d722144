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
 * counted it; each row once), each in the interval it happened in.
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
   * by unseen (0 on the first read): since the previous read, or, with
   * reports from another source, in the interval before it (see below).
   */
  observe(netns: number, opens: number | undefined, rows: readonly NetRow[], elsewhere?: readonly OpenedElsewhere[], atMs?: number): number;
  /** Drops every netns not observed since the last call (they are gone). */
  sweep(): void;
}

/**
 * A TCP connection another source saw: by its far end (the row's remote
 * address and port), or by its socket's inode, or by neither (an accept
 * whose caller asked for no peer address, its socket already closed: no
 * scan can have shown it); `atMs`, when it happened (ms since the epoch).
 */
export interface OpenedElsewhere {
  readonly ip?: string;
  readonly port?: number;
  readonly inode?: number;
  readonly atMs?: number;
}

/** A new connection row: what another source's report of it would name. */
interface FreshRow {
  readonly inode: number;
  /** `ip|port` of the far end, IPv4-mapped addresses as IPv4. */
  readonly end: string;
  explained: boolean;
}

/** An interval between two reads whose count waits for reports that arrive after its read. */
interface Pending {
  /** Opens not explained yet (may go below zero: counted as zero). */
  count: number;
  readonly rows: FreshRow[];
  /** When the read that closed the interval happened. */
  readonly atMs: number;
}

interface NetnsState {
  opens: number;
  connections: Set<number>;
  /** The last intervals, oldest first, still open to late reports. */
  pending: Pending[];
  seen: boolean;
}

/** How many reads an interval stays open to reports that happened in it (the count lags by as many reads). */
const SETTLE_READS = 2;

const farEnd = (ip: string, port: number): string => `${ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip}|${port}`;

/** A row that a connect() or an accept made: anything with an inode but a listener. */
function isConnection(r: NetRow): boolean {
  return r.proto.startsWith('tcp') && r.inode !== 0 && r.state !== 'LISTEN';
}

/** Each report is one open: one a new row already counted (by inode or far end; each row once), or one more observed. */
function explain(p: Pending, reports: readonly OpenedElsewhere[]): void {
  for (const e of reports) {
    const end = e.ip !== undefined && e.port !== undefined ? farEnd(e.ip, e.port) : undefined;
    const row = e.inode === undefined && end === undefined ? undefined : p.rows.find((c) => !c.explained && (e.inode !== undefined ? c.inode === e.inode : c.end === end));
    if (row) row.explained = true;
    else p.count--;
  }
}

/**
 * Without reports from another source, an interval is counted at the read
 * that closes it. With them (`elsewhere` given), it is counted SETTLE_READS
 * reads later: a report reaches the agent a moment after its connection
 * (the audit record is read after the syscall returns; later on a busy
 * node), and one that the read closing its interval did not have yet must
 * still count there, by its time, not against a later interval.
 */
export function createUnobservedOpens(): UnobservedOpens {
  const byNetns = new Map<number, NetnsState>();
  return {
    observe(netns, opens, rows, elsewhere, atMs = Date.now()) {
      const prev = byNetns.get(netns);
      if (opens === undefined) {
        if (prev) prev.seen = true;
        return 0;
      }
      const unchanged = prev !== undefined && prev.opens === opens;
      // Unchanged counters: the rows cannot hold a new connection (they may
      // be the cached ones), so the known set stands as it is.
      const connections = unchanged ? prev.connections : new Set<number>();
      const fresh: FreshRow[] = [];
      if (!unchanged) {
        for (const r of rows) {
          if (!isConnection(r)) continue;
          connections.add(r.inode);
          if (prev && !prev.connections.has(r.inode)) fresh.push({ inode: r.inode, end: farEnd(r.remoteAddr, r.remotePort), explained: false });
        }
      }
      if (!prev || opens < prev.opens) {
        // First read, or a new netns under a reused inode.
        byNetns.set(netns, { opens, connections, pending: [], seen: true });
        return 0;
      }
      const interval: Pending = { count: opens - prev.opens - fresh.length, rows: fresh, atMs };
      if (elsewhere === undefined) {
        byNetns.set(netns, { opens, connections, pending: [], seen: true });
        return Math.max(0, interval.count);
      }
      // Each report goes to the interval it happened in: the first whose closing read came after it.
      const open = [...prev.pending, interval];
      for (const e of elsewhere) explain(open.find((p) => (e.atMs ?? 0) <= p.atMs) ?? interval, [e]);
      // More reports than opens in an interval: some belong to the one before.
      // An accept's record is timed at the accept() call, which may come after
      // the handshake the counter counted (and after a read in between).
      for (let i = open.length - 1; i > 0; i--) {
        const later = open[i]!;
        const earlier = open[i - 1]!;
        if (later.count < 0 && earlier.count > 0) {
          const moved = Math.min(-later.count, earlier.count);
          later.count += moved;
          earlier.count -= moved;
        }
      }
      let settled = 0;
      while (open.length > SETTLE_READS) settled += Math.max(0, open.shift()!.count);
      byNetns.set(netns, { opens, connections, pending: open, seen: true });
      return settled;
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
