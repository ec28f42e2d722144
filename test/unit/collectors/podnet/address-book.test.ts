import { mkdirSync, mkdtempSync, cpSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPodAddressBook } from '../../../../collectors/podnet/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/proc', import.meta.url));
const HOST = 4026531840;
const POD_A = 4026532200;
const POD_B = 4026532300;

describe('createPodAddressBook', () => {
  it('maps each netns address to its owner and the host addresses to the host netns', () => {
    const book = createPodAddressBook({ procRoot: FIXTURES });
    const stats = book.refresh([
      { netns: HOST, pid: 1 },
      { netns: POD_A, pid: 2001, containerId: 'a'.repeat(64) },
      { netns: POD_B, pid: 3001, containerId: 'b'.repeat(64) },
    ]);
    expect(stats).toEqual({ read: 3, kept: 0, dropped: 0 });
    expect(book.owner('172.17.0.2')).toEqual({ netns: POD_A, host: false, containerId: 'a'.repeat(64), containerIds: ['a'.repeat(64)] });
    expect(book.owner('172.17.0.3')?.containerId).toBe('b'.repeat(64));
    expect(book.owner('fd00::3')?.netns).toBe(POD_B);
    expect(book.owner('::ffff:172.17.0.3')?.netns).toBe(POD_B);
    expect(book.owner('172.17.0.1')).toEqual({ netns: HOST, host: true, containerId: undefined, containerIds: [] });
    expect(book.owner('192.0.2.2')?.netns).toBe(HOST);
    expect(book.owner('127.0.0.1')).toBeUndefined();
    expect(book.owner('10.9.9.9')).toBeUndefined();
  });

  it('lists every container of a shared netns and reads through any live pid of it', () => {
    const book = createPodAddressBook({ procRoot: FIXTURES });
    book.refresh([
      { netns: POD_B, pid: 3002, containerId: 'pause' }, // pid 3002 exited: churn, not an error
      { netns: POD_B, pid: 3001, containerId: 'app' },
    ]);
    expect(book.owner('172.17.0.3')).toEqual({ netns: POD_B, host: false, containerId: 'pause', containerIds: ['pause', 'app'] });
  });

  it('keeps fresh entries, re-reads stale or forced ones, forgets vanished namespaces', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-podnet-'));
    try {
      cpSync(FIXTURES, root, { recursive: true });
      let t = 1_000;
      const book = createPodAddressBook({ procRoot: root, maxAgeMs: 10_000, now: () => t });
      const list = [
        { netns: POD_A, pid: 2001, containerId: 'a' },
        { netns: POD_B, pid: 3001, containerId: 'b' },
      ];
      book.refresh(list);
      // The pod was recreated with another address: not seen until the entry is stale.
      writeFileSync(join(root, '2001/net/fib_trie'), '  |-- 10.244.1.7\n     /32 host LOCAL\n');
      t += 5_000;
      expect(book.refresh(list)).toEqual({ read: 0, kept: 2, dropped: 0 });
      expect(book.owner('172.17.0.2')?.netns).toBe(POD_A);
      expect(book.refresh(list, { force: true }).read).toBe(2);
      expect(book.owner('172.17.0.2')).toBeUndefined();
      expect(book.owner('10.244.1.7')?.containerId).toBe('a');
      t += 20_000;
      expect(book.refresh([list[1]!])).toEqual({ read: 1, kept: 0, dropped: 1 });
      expect(book.owner('10.244.1.7')).toBeUndefined();
      expect(book.addresses(POD_A)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('learns a pod address configured after its netns was first read, on the next refresh or the first lookup of it', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-podnet-'));
    try {
      cpSync(FIXTURES, root, { recursive: true });
      let t = 1_000;
      const book = createPodAddressBook({ procRoot: root, maxAgeMs: 30_000, now: () => t, missRereadMs: 50 });
      const list = [{ netns: POD_A, pid: 2001, containerId: 'a' }];
      // Read before the CNI configured eth0: loopback only.
      const withAddress = '  |-- 172.17.0.2\n     /32 host LOCAL\n';
      writeFileSync(join(root, '2001/net/fib_trie'), '  |-- 127.0.0.1\n     /32 host LOCAL\n');
      book.refresh(list);
      expect(book.addresses(POD_A)).toEqual(expect.not.arrayContaining(['172.17.0.2']));
      // The address appears; a connection to it is the first thing to ask.
      writeFileSync(join(root, '2001/net/fib_trie'), withAddress);
      t += 10;
      expect(book.owner('172.17.0.2')?.containerId).toBe('a');
      // An unknown netns is re-read on every refresh, within maxAge too.
      writeFileSync(join(root, '2001/net/fib_trie'), '  |-- 127.0.0.1\n     /32 host LOCAL\n');
      book.refresh(list, { force: true });
      writeFileSync(join(root, '2001/net/fib_trie'), withAddress);
      t += 1;
      expect(book.refresh(list).read).toBe(1);
      expect(book.owner('172.17.0.2')?.containerId).toBe('a');
      // Misses re-read at most once per missRereadMs: an external address costs nothing more.
      expect(book.owner('198.51.100.1')).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('marks the host netns (from <procRoot>/1/ns/net or the config) even when host-network containers share it', () => {
    const book = createPodAddressBook({ procRoot: FIXTURES });
    book.refresh([
      { netns: HOST, pid: 1 },
      { netns: HOST, pid: 1, containerId: 'hostnet' },
    ]);
    expect(book.owner('192.0.2.2')).toEqual({ netns: HOST, host: true, containerId: 'hostnet', containerIds: ['hostnet'] });
    const configured = createPodAddressBook({ procRoot: FIXTURES, hostNetns: POD_A });
    configured.refresh([
      { netns: HOST, pid: 1 },
      { netns: POD_A, pid: 2001 },
    ]);
    expect(configured.owner('192.0.2.2')?.host).toBe(false);
    expect(configured.owner('172.17.0.2')?.host).toBe(true);
  });

  it('treats an address owned by two namespaces as unknown', () => {
    const book = createPodAddressBook({ procRoot: FIXTURES });
    book.refresh([
      { netns: POD_A, pid: 2001 },
      { netns: 99, pid: 2001 },
    ]);
    expect(book.owner('172.17.0.2')).toBeUndefined();
  });

  it('reports a read failure that is not churn and keeps going', () => {
    const reported: string[] = [];
    const root = mkdtempSync(join(tmpdir(), 'vigil-podnet-'));
    try {
      cpSync(FIXTURES, root, { recursive: true });
      rmSync(join(root, '2001/net/fib_trie'));
      // A directory where a file is expected: EISDIR, a real failure.
      cpSync(join(root, '3001/net'), join(root, '2001/net/fib_trie'), { recursive: true });
      const book = createPodAddressBook({ procRoot: root }, { report: (c, s) => reported.push(`${c}/${s}`) });
      book.refresh([
        { netns: POD_A, pid: 2001 },
        { netns: POD_B, pid: 3001 },
      ]);
      expect(reported).toEqual(['podnet/read']);
      expect(book.owner('172.17.0.3')?.netns).toBe(POD_B);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  describe('host netns', () => {
    const withRoot = (fn: (root: string) => void) => {
      const root = mkdtempSync(join(tmpdir(), 'vigil-podnet-'));
      try {
        cpSync(FIXTURES, root, { recursive: true, verbatimSymlinks: true });
        // pid 1 refuses its ns link (EACCES on some hosts): a directory stands in (readlink: EINVAL).
        rmSync(join(root, '1/ns'), { recursive: true });
        mkdirSync(join(root, '1/ns/net'), { recursive: true });
        fn(root);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    };
    const kthreadd = (root: string, comm = 'kthreadd', flags = 0x00208040) => {
      mkdirSync(join(root, '2/ns'), { recursive: true });
      writeFileSync(join(root, '2/stat'), `2 (${comm}) S 0 0 0 0 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0\n`);
      symlinkSync(`net:[${HOST}]`, join(root, '2/ns/net'));
    };

    it('falls back to kthreadd when pid 1 cannot be read', () => {
      withRoot((root) => {
        kthreadd(root);
        const reported: string[] = [];
        const book = createPodAddressBook({ procRoot: root }, { report: (c, s) => reported.push(`${c}/${s}`) });
        book.refresh([{ netns: HOST, pid: 1 }]);
        expect(book.owner('192.0.2.2')?.host).toBe(true);
        expect(reported).toEqual([]);
      });
    });

    it('does not take pid 2 for the host when it is not kthreadd (another pid namespace)', () => {
      withRoot((root) => {
        kthreadd(root, 'sh', 0x400100);
        const book = createPodAddressBook({ procRoot: root }, { report: () => undefined });
        book.refresh([{ netns: HOST, pid: 1 }]);
        expect(book.owner('192.0.2.2')?.host).toBe(false);
      });
    });

    it('reports a host netns it cannot find once, and retries only after a minute', () => {
      withRoot((root) => {
        const reported: string[] = [];
        let t = 0;
        const book = createPodAddressBook({ procRoot: root, now: () => t }, { report: (c, s) => reported.push(`${c}/${s}`) });
        for (let i = 0; i < 5; i++) {
          book.refresh([{ netns: HOST, pid: 1 }], { force: true });
          t += 1_000;
        }
        expect(reported).toEqual(['podnet/host-netns']);
        expect(book.owner('192.0.2.2')?.host).toBe(false);
        kthreadd(root); // readable from now on
        book.refresh([{ netns: HOST, pid: 1 }], { force: true });
        expect(book.owner('192.0.2.2')?.host).toBe(false); // not retried yet
        t += 60_000;
        book.refresh([{ netns: HOST, pid: 1 }], { force: true });
        expect(book.owner('192.0.2.2')?.host).toBe(true);
        expect(reported).toEqual(['podnet/host-netns']);
      });
    });
  });
});
