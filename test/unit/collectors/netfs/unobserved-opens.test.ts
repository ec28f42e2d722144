import { describe, expect, it } from 'vitest';
import type { NetRow } from '../../../../collectors/netfs/parse-net.js';
import { createUnobservedOpens, snmpTcpOpens } from '../../../../collectors/netfs/unobserved-opens.js';

const row = (inode: number, state: NetRow['state'] = 'ESTABLISHED', proto: NetRow['proto'] = 'tcp'): NetRow => ({
  proto,
  localAddr: '10.0.0.2',
  localPort: 40000 + inode,
  remoteAddr: '10.0.0.3',
  remotePort: 80,
  state,
  uid: 0,
  inode,
});

describe('snmpTcpOpens', () => {
  const snmp = [
    'Ip: Forwarding DefaultTTL',
    'Ip: 1 64',
    'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab',
    'Tcp: 1 200 120000 -1 17 4 2 0 3',
    'Udp: InDatagrams',
    'Udp: 5',
  ].join('\n');

  it('adds ActiveOpens and PassiveOpens', () => expect(snmpTcpOpens(snmp)).toBe(21));
  it('is undefined for a missing file, a missing Tcp block or a missing column', () => {
    expect(snmpTcpOpens(undefined)).toBeUndefined();
    expect(snmpTcpOpens('Ip: a\nIp: 1\n')).toBeUndefined();
    expect(snmpTcpOpens('Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 5\n')).toBeUndefined();
    expect(snmpTcpOpens('Tcp: ActiveOpens PassiveOpens\nTcp: x 5\n')).toBeUndefined();
  });
});

describe('createUnobservedOpens', () => {
  it('counts nothing on the first read of a netns', () => {
    const u = createUnobservedOpens();
    expect(u.observe(1, 100, [row(1)])).toBe(0);
  });

  it('counts the opens no new connection row accounts for', () => {
    const u = createUnobservedOpens();
    u.observe(1, 100, [row(1), row(9, 'LISTEN')]);
    // 5 opens: two new connections are in the rows, three came and went.
    expect(u.observe(1, 105, [row(1), row(2), row(3, 'SYN_SENT'), row(9, 'LISTEN')])).toBe(3);
    // Counters still: nothing, whatever the (possibly cached) rows.
    expect(u.observe(1, 105, [row(1)])).toBe(0);
  });

  it('never counts below zero, nor listeners, inode-0 rows or UDP as connections', () => {
    const u = createUnobservedOpens();
    u.observe(1, 10, []);
    expect(u.observe(1, 11, [row(5), row(6), row(7)])).toBe(0); // an accept queue drained: more rows than opens
    expect(u.observe(1, 14, [row(5), row(6), row(7), row(20, 'LISTEN'), row(0, 'TIME_WAIT'), row(21, 'ESTABLISHED', 'udp')])).toBe(3);
  });

  it('restarts from a reused netns inode whose counters went down', () => {
    const u = createUnobservedOpens();
    u.observe(1, 500, [row(1)]);
    expect(u.observe(1, 3, [row(2)])).toBe(0);
    expect(u.observe(1, 6, [row(2)])).toBe(3);
  });

  it('keeps namespaces apart and forgets the ones a sweep did not see', () => {
    const u = createUnobservedOpens();
    u.observe(1, 10, []);
    u.observe(2, 50, []);
    u.sweep();
    expect(u.observe(1, 12, [])).toBe(2);
    u.sweep(); // netns 2 was not observed since the last sweep: gone
    expect(u.observe(2, 80, [])).toBe(0); // first read again
  });

  it('ignores a read whose counters could not be read', () => {
    const u = createUnobservedOpens();
    u.observe(1, 10, []);
    expect(u.observe(1, undefined, [])).toBe(0);
    expect(u.observe(1, 12, [])).toBe(2);
  });

  it('connections another source saw count as observed, unless a new row counted them; counted two reads later', () => {
    const u = createUnobservedOpens();
    expect(u.observe(1, 100, [row(1)], [], 1_000)).toBe(0);
    // 5 opens: row 2 is new; the audit source saw 3 one-off connections and the one row 2 is (same far end).
    const rows = [row(1), { ...row(2), remoteAddr: '10.0.0.9', remotePort: 443 }];
    const seen = [
      { ip: '10.0.0.9', port: 443, atMs: 1_500 },
      { ip: '10.0.0.4', port: 8080, atMs: 1_500 },
      { ip: '10.0.0.4', port: 8081, atMs: 1_500 },
      { ip: '10.0.0.4', port: 8082, atMs: 1_500 },
    ];
    expect(u.observe(1, 105, rows, seen, 2_000)).toBe(0);
    // The one unseen is counted two reads later; another connection to the same peer (row 2 is matched already) is an observed open.
    expect(u.observe(1, 106, rows, [{ ip: '10.0.0.9', port: 443, atMs: 2_500 }], 3_000)).toBe(0);
    expect(u.observe(1, 106, rows, [], 4_000)).toBe(1);
    expect(u.observe(1, 106, rows, [], 5_000)).toBe(0);
  });

  it('each new row explains one report: twenty connections to one peer, one of them seen by a scan', () => {
    const u = createUnobservedOpens();
    u.observe(1, 100, [], [], 1_000);
    const twenty = Array.from({ length: 20 }, () => ({ ip: '::ffff:10.0.0.3', port: 80, atMs: 1_500 }));
    expect(u.observe(1, 120, [row(7)], twenty, 2_000)).toBe(0);
    expect(u.observe(1, 120, [row(7)], [], 3_000)).toBe(0);
  });

  it('a report that arrives after the read closing its interval still counts there, by its time; rows are matched once', () => {
    const u = createUnobservedOpens();
    u.observe(1, 100, [], [], 1_000);
    // One open the read saw no row of; its report comes after the read.
    expect(u.observe(1, 101, [], [], 2_000)).toBe(0);
    expect(u.observe(1, 101, [], [{ ip: '10.0.0.5', port: 80, atMs: 1_990 }], 3_000)).toBe(0);
    // Two new rows, their reports late (by far end and by inode), and one more open reported in time for its own interval.
    expect(u.observe(1, 103, [row(7), row(8)], [], 4_000)).toBe(0);
    expect(
      u.observe(
        1,
        104,
        [row(7), row(8)],
        [
          { ip: '10.0.0.3', port: 80, atMs: 3_900 },
          { inode: 8, atMs: 3_950 },
          { ip: '10.0.0.4', port: 9, atMs: 4_500 },
        ],
        5_000,
      ),
    ).toBe(0);
    // An anonymous report (an accept without a peer address, its socket closed) is an observed open.
    expect(u.observe(1, 105, [row(7), row(8)], [{ atMs: 5_500 }], 6_000)).toBe(0);
    // One nobody reported.
    expect(u.observe(1, 106, [row(7), row(8)], [], 7_000)).toBe(0);
    expect(u.observe(1, 106, [row(7), row(8)], [], 8_000)).toBe(0);
    expect(u.observe(1, 106, [row(7), row(8)], [], 9_000)).toBe(1);
  });

  it("an accept timed after the read that counted its handshake still explains that read's open", () => {
    const u = createUnobservedOpens();
    u.observe(1, 100, [], [], 1_000);
    // The handshake completed before the read at 2000; accept() ran at 2100.
    expect(u.observe(1, 101, [], [], 2_000)).toBe(0);
    expect(u.observe(1, 101, [], [{ atMs: 2_100 }], 3_000)).toBe(0);
    expect(u.observe(1, 101, [], [], 4_000)).toBe(0);
    expect(u.observe(1, 101, [], [], 5_000)).toBe(0);
  });
});
