/**
 * Whether the TCP tables of a netns can have changed since the last read,
 * from counters that cost a few microseconds to read, because reading
 * /proc/<pid>/net/tcp{,6} walks the whole (global, 262144-bucket on the dev
 * VM) established hash table once per file: ~2.3 ms each, per netns, per
 * scan, whatever the number of sockets.
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
  const tcp = snmpTcp(snmp);
  if (!tcp) return undefined;
  const inuse = /^TCP: inuse (\d+)/m.exec(sockstat)?.[1];
  const inuse6 = sockstat6 === undefined ? '-' : /^TCP6: inuse (\d+)/m.exec(sockstat6)?.[1];
  if (inuse === undefined || inuse6 === undefined) return undefined;
  return `${tcp}|${inuse}|${inuse6}`;
}

const FIELDS = ['ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'CurrEstab'];

function snmpTcp(snmp: string): string | undefined {
  // Two lines start with "Tcp:": the names, then the values.
  const lines = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]?.split(' ');
  const values = lines[1]?.split(' ');
  if (!names || !values) return undefined;
  const out: string[] = [];
  for (const f of FIELDS) {
    const v = values[names.indexOf(f)];
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out.join(',');
}
