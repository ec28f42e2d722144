import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseBlkioServiceBytes, parseFlatKeyed, parseIoStat, parseNetDev, parsePartitions, parsePids, parseUint } from '../../../../collectors/cgroups/index.js';

describe('parseUint', () => {
  it('reads counters with a trailing newline', () => expect(parseUint('123456789012\n')).toBe(123456789012));
  it('rejects negative, fractional, words and v2 "max"', () => {
    for (const t of ['-1', '1.5', 'abc', 'max', '', '1 2', '0x10']) expect(parseUint(t)).toBeUndefined();
  });
});

describe('parseFlatKeyed', () => {
  it('reads memory.stat', () => {
    const { value, bad } = parseFlatKeyed('cache 10\nrss 20\ntotal_inactive_file 30\n');
    expect(Object.fromEntries(value)).toEqual({ cache: 10, rss: 20, total_inactive_file: 30 });
    expect(bad).toBe(0);
  });
  it('counts malformed lines and keeps hostile keys out of prototypes', () => {
    const { value, bad } = parseFlatKeyed('usage_usec\nuser_usec -5\n__proto__ 1\nconstructor 7\nok 3\n');
    expect(bad).toBe(2);
    expect(value.get('ok')).toBe(3);
    expect(value.get('__proto__')).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseBlkioServiceBytes (v1)', () => {
  it('sums Read and Write per device and ignores Sync/Async/Total', () => {
    const t = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Async 2\n8:0 Discard 0\n8:0 Total 12288\n253:1 Read 100\n253:1 Write 200\nTotal 12588\n';
    const { value, bad } = parseBlkioServiceBytes(t);
    expect(bad).toBe(0);
    expect(value).toEqual([
      { device: '8:0', readBytes: 4096, writeBytes: 8192 },
      { device: '253:1', readBytes: 100, writeBytes: 200 },
    ]);
  });
  it('reads an empty file (no I/O yet) as no devices', () => expect(parseBlkioServiceBytes('Total 0\n')).toEqual({ value: [], bad: 0 }));
  it('counts malformed lines', () => expect(parseBlkioServiceBytes('8:0 Read x\nfoo\n8 Read 1\n').bad).toBe(3));
});

describe('parseIoStat (v2)', () => {
  it('reads rbytes and wbytes', () => {
    const { value } = parseIoStat('8:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n');
    expect(value).toEqual([{ device: '8:0', readBytes: 1000, writeBytes: 2000 }]);
  });
  it('survives garbage', () => {
    const { value, bad } = parseIoStat('garbage\n8:0 rbytes=abc wbytes=5\n8:0rbytes=1\n');
    expect(value).toEqual([{ device: '8:0', readBytes: 0, writeBytes: 5 }]);
    expect(bad).toBe(3);
  });
});

describe('parseNetDev', () => {
  const text =
    'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
    '  eth0:  123456     100    1    2    0     0          0         0    65432      50    3    4    0     0       0          0\n' +
    'eth1:5 1 0 0 0 0 0 0 6 2 0 0 0 0 0 0\n';
  it('reads every interface, including one with no space after the colon', () => {
    const { value, bad } = parseNetDev(text);
    expect(bad).toBe(0);
    expect(value[0]).toEqual({ iface: 'eth0', rxBytes: 123456, rxPackets: 100, rxErrors: 1, rxDropped: 2, txBytes: 65432, txPackets: 50, txErrors: 3, txDropped: 4 });
    expect(value[1]).toMatchObject({ iface: 'eth1', rxBytes: 5, txBytes: 6 });
  });
  it('drops truncated lines and counts them', () => {
    const { value, bad } = parseNetDev('  eth0: 1 2 3\n: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n');
    expect(value).toEqual([]);
    expect(bad).toBe(2);
  });
});

describe('parsePids / parsePartitions', () => {
  it('keeps only positive integers', () => expect(parsePids('12\nabc\n-1\n0\n\u0000\n34\n')).toEqual([12, 34]));
  it('maps major:minor to names', () => {
    const m = parsePartitions('major minor  #blocks  name\n\n   8        0  104857600 sda\n 253 1 1048576 dm-1\nbad line\n 8 1 1 ../../etc\n');
    expect([...m]).toEqual([
      ['8:0', 'sda'],
      ['253:1', 'dm-1'],
    ]);
  });
});

describe('parsers never throw on arbitrary input', () => {
  it('holds for random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: 'binary' }), (s) => {
        for (const p of [parseFlatKeyed, parseBlkioServiceBytes, parseIoStat, parseNetDev]) {
          const r = p(s);
          expect(r.bad).toBeGreaterThanOrEqual(0);
        }
        parsePids(s);
        parsePartitions(s);
        parseUint(s);
      }),
    );
  });
});
