import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAddress, decodeEndpoint, parseProcNet, tcpSignature } from '../../../../collectors/netfs/index.js';
import { FIXTURE_PROC, SSHD_LISTEN_ROW } from '../procfs/helpers.js';

describe('decodeAddress', () => {
  it('decodes little-endian IPv4 words', () => {
    expect(decodeAddress('0100007F', true)).toBe('127.0.0.1');
    expect(decodeAddress('020011AC', true)).toBe('172.17.0.2');
    expect(decodeAddress('00000000', true)).toBe('0.0.0.0');
  });
  it('decodes big-endian hosts too', () => {
    expect(decodeAddress('7F000001', false)).toBe('127.0.0.1');
  });
  it('decodes IPv6 with RFC 5952 compression', () => {
    expect(decodeAddress('00000000000000000000000000000000', true)).toBe('::');
    expect(decodeAddress('00000000000000000000000001000000', true)).toBe('::1');
    expect(decodeAddress('B80D0120000000000000000001000000', true)).toBe('2001:db8::1');
    expect(decodeAddress('000080FE000000000200000001000000', true)).toBe('fe80::2:0:1');
    expect(decodeAddress('B80D0120010000000000000000000000', true)).toBe('2001:db8:0:1::');
  });
  it('renders IPv4-mapped IPv6 as ::ffff:a.b.c.d', () => {
    expect(decodeAddress('0000000000000000FFFF00000100007F', true)).toBe('::ffff:127.0.0.1');
  });
  it('rejects junk', () => {
    expect(decodeAddress('XYZ', true)).toBeUndefined();
    expect(decodeAddress('0100', true)).toBeUndefined();
    expect(decodeEndpoint('0100007F', true)).toBeUndefined();
  });
  it('decodes the port in plain hex', () => {
    expect(decodeEndpoint('0100007F:1F90', true)).toEqual({ addr: '127.0.0.1', port: 8080 });
  });
});

describe('parseProcNet', () => {
  it('parses tcp rows with state, uid and inode', () => {
    const rows = parseProcNet(readFileSync(join(FIXTURE_PROC, '1/net/tcp'), 'utf8'), 'tcp', true);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual(SSHD_LISTEN_ROW);
    expect(rows[1]).toMatchObject({ localAddr: '127.0.0.1', localPort: 41652, remotePort: 22, state: 'ESTABLISHED', uid: 1000 });
    expect(rows[3]).toMatchObject({ state: 'TIME_WAIT', inode: 0 });
  });
  it('parses tcp6 rows including mapped and global addresses', () => {
    const rows = parseProcNet(readFileSync(join(FIXTURE_PROC, '1/net/tcp6'), 'utf8'), 'tcp6', true);
    expect(rows.map((r) => `${r.localAddr}:${r.localPort}>${r.remoteAddr}:${r.remotePort} ${r.state}`)).toEqual([
      ':::8080>:::0 LISTEN',
      '::ffff:127.0.0.1:8080>::ffff:127.0.0.1:50000 ESTABLISHED',
      '2001:db8::1:443>2001:db8::2:54321 ESTABLISHED',
    ]);
  });
  it('parses udp (unconnected sockets are CLOSE) and skips malformed lines', () => {
    const text = `${readFileSync(join(FIXTURE_PROC, '1/net/udp'), 'utf8')}garbage line\n   9: nothex:zz 0:0 01\n`;
    expect(parseProcNet(text, 'udp', true)).toEqual([{ proto: 'udp', localAddr: '127.0.0.1', localPort: 53, remoteAddr: '0.0.0.0', remotePort: 0, state: 'CLOSE', uid: 0, inode: 5004 }]);
  });
  it('returns [] for a header-only file', () => {
    expect(parseProcNet(readFileSync(join(FIXTURE_PROC, '1/net/udp6'), 'utf8'), 'udp6', true)).toEqual([]);
  });
});

describe('tcpSignature', () => {
  const snmp = (active: number) => `Ip: Forwarding\nIp: 1\nTcp: RtoAlgorithm ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs\nTcp: 1 ${active} 2 0 0 3 100\n`;
  it('changes with connects and listeners, not with traffic', () => {
    const a = tcpSignature(snmp(5), 'TCP: inuse 4 orphan 0\n', 'TCP6: inuse 1\n');
    expect(a).toBe(tcpSignature(snmp(5).replace(' 100', ' 999'), 'TCP: inuse 4 orphan 0\n', 'TCP6: inuse 1\n'));
    expect(a).not.toBe(tcpSignature(snmp(6), 'TCP: inuse 4 orphan 0\n', 'TCP6: inuse 1\n'));
    expect(a).not.toBe(tcpSignature(snmp(5), 'TCP: inuse 5 orphan 0\n', 'TCP6: inuse 1\n'));
    expect(a).not.toBe(tcpSignature(snmp(5), 'TCP: inuse 4 orphan 0\n', 'TCP6: inuse 2\n'));
  });
  it('is undefined when the counters cannot be read', () => {
    expect(tcpSignature('', 'TCP: inuse 1\n', undefined)).toBeUndefined();
  });
});
