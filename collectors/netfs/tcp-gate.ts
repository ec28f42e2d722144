/**
 * Whether the TCP tables of a netns can have changed since the last read,
 * from counters that cost a few microseconds to read, because reading
 * /proc/<pid>/net/tcp{,6} walks the whole (global, 262144-bucket on the dev
 * VM) established hash table once per file (bench/RESULTS.md, unit costs),
 * per netns, per scan, whatever the number of sockets.
 *
 * The signature of a netns is:
 * - from net/snmp: Tcp ActiveOpens (every connect), PassiveOpens (every
 *   accepted connection), AttemptFails, EstabResets and CurrEstab (any move
 *   into or out of ESTABLISHED);
 * - from net/sockstat and net/sockstat6: TCP and TCP6 `inuse` (hashed
 *   sockets, so a new or closed listener).
 * What it cannot see: a listener closed and another opened within the same
 * interval with no other TCP activity, and moves between two non-established
 * states (FIN_WAIT1 -> FIN_WAIT2). The table re-reads the TCP files anyway
 * every `fullReadEvery` scans, which bounds how stale those can be.
 */
export function tcpSignature(snmp: string, sockstat: string, sockstat6: string | undefined): string | undefined {
  return tcpSignatureOf(snmpTcpColumns(snmp), sockstat, sockstat6);
}

/** tcpSignature from net/snmp's Tcp block already split (the socket table reads it once per netns). */
export function tcpSignatureOf(snmpTcp: SnmpTcp | undefined, sockstat: string, sockstat6: string | undefined): string | undefined {
  const tcp = snmpTcp && gateCounters(snmpTcp);
  if (!tcp) return undefined;
  const inuse = /^TCP: inuse (\d+)/m.exec(sockstat)?.[1];
  const inuse6 = sockstat6 === undefined ? '-' : /^TCP6: inuse (\d+)/m.exec(sockstat6)?.[1];
  if (inuse === undefined || inuse6 === undefined) return undefined;
  return `${tcp}|${inuse}|${inuse6}`;
}

/**
 * `<label>: inuse N` of net/sockstat or net/sockstat6 (labels TCP, UDP, TCP6,
 * UDP6): the sockets of that protocol hashed in this netns, which are exactly
 * the rows of net/<proto> except TIME_WAIT and request sockets (inode 0,
 * never tracked). A TCP socket is hashed from connect() or listen() on, a UDP
 * one from bind()/connect(), so `inuse 0` means the file holds nothing this
 * table keeps and need not be read: that skips the per-file walk of
 * the kernel's global TCP hash for every netns without TCP sockets (idle
 * pods, sidecar-less jobs). undefined when the line is missing (unknown: read).
 */
export function sockstatInuse(text: string | undefined, label: 'TCP' | 'UDP' | 'TCP6' | 'UDP6'): number | undefined {
  if (text === undefined) return undefined;
  const at = text.indexOf(`${label}: inuse `);
  // Match at a line start only ("TCP: " must not match inside "UDPLITE...").
  if (at < 0 || (at > 0 && text.charCodeAt(at - 1) !== 10)) return undefined;
  const n = parseInt(text.slice(at + label.length + 8), 10);
  return Number.isInteger(n) ? n : undefined;
}

const FIELDS = ['ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'CurrEstab'];

function gateCounters(tcp: SnmpTcp): string | undefined {
  const out: string[] = [];
  for (const f of FIELDS) {
    const v = tcp.values[tcp.names.indexOf(f)];
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out.join(',');
}

/** The `Tcp:` block of net/snmp: column names and their values. */
export interface SnmpTcp {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

/** Splits net/snmp's two lines starting with "Tcp:", the names then the values. */
export function snmpTcpColumns(snmp: string): SnmpTcp | undefined {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]?.split(' ');
  const values = lines[1]?.split(' ');
  return names && values ? { names, values } : undefined;
}
