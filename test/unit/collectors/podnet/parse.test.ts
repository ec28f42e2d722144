import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeIp, parseFibTrieLocal, parseIfInet6 } from '../../../../collectors/podnet/index.js';

const fixture = (p: string) => readFileSync(new URL(`./fixtures/proc/${p}`, import.meta.url), 'utf8');

describe('parseFibTrieLocal', () => {
  it('reads the host addresses of a real host fib_trie, once each, without loopback', () => {
    expect(parseFibTrieLocal(fixture('1/net/fib_trie')).sort()).toEqual(['172.17.0.1', '192.0.2.2']);
  });
  it('reads a real container fib_trie', () => {
    expect(parseFibTrieLocal(fixture('2001/net/fib_trie'))).toEqual(['172.17.0.2']);
  });
  it('ignores network, broadcast and non-/32 entries', () => {
    const text = [
      'Local:',
      '  +-- 10.244.0.0/24 2 0 2',
      '     |-- 10.244.0.0',
      '        /24 link UNICAST',
      '     |-- 10.244.0.5',
      '        /32 link BROADCAST',
      '        /32 host LOCAL',
      '     |-- 10.244.0.255',
      '        /32 link BROADCAST',
    ].join('\n');
    expect(parseFibTrieLocal(text)).toEqual(['10.244.0.5']);
  });
  it('returns nothing for empty or garbage input', () => {
    expect(parseFibTrieLocal('')).toEqual([]);
    expect(parseFibTrieLocal('/32 host LOCAL\n|-- not-an-ip\n/32 host LOCAL')).toEqual([]);
  });
});

describe('parseIfInet6', () => {
  it('keeps only global addresses of a real host if_inet6', () => {
    expect(parseIfInet6(fixture('1/net/if_inet6'))).toEqual(['fd00::2']);
  });
  it('handles an empty file (a container without IPv6)', () => {
    expect(parseIfInet6(fixture('2001/net/if_inet6'))).toEqual([]);
  });
  it('formats a full address', () => {
    expect(parseIfInet6('20010db8000000010000000000000abc 02 40 00 80 eth0')).toEqual(['2001:db8:0:1::abc']);
  });
});

describe('normalizeIp', () => {
  it('unmaps IPv4-mapped IPv6 and lowercases IPv6', () => {
    expect(normalizeIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('FD00::1')).toBe('fd00::1');
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
  });
});
