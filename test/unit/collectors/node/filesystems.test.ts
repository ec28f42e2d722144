import { describe, expect, it } from 'vitest';
import { FilesystemScanner, type StatfsResult } from '../../../../collectors/node/index.js';
import type { MountEntry } from '../../../../collectors/node/mountinfo.js';

const mount = (mountpoint: string, device = '/dev/vda', fstype = 'ext4', ro = false): MountEntry => ({
  device,
  mountpoint,
  fstype,
  mountOptions: [ro ? 'ro' : 'rw'],
  superOptions: ['rw'],
});

const stat: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 600, bavail: 500, files: 100, ffree: 40 };

describe('FilesystemScanner', () => {
  it('turns statfs into byte counts, df-style used ratio and the readonly flag', async () => {
    const calls: string[] = [];
    const scanner = new FilesystemScanner({
      hostRoot: '/host/root',
      timeoutMs: 1000,
      statfs: async (p) => {
        calls.push(p);
        return stat;
      },
    });
    const [fs] = await scanner.scan([mount('/data', '/dev/vdb', 'xfs', true)]);
    expect(calls).toEqual(['/host/root/data']);
    expect(fs).toMatchObject({
      device: '/dev/vdb',
      mountpoint: '/data',
      fstype: 'xfs',
      sizeBytes: 4096000,
      freeBytes: 2457600,
      availBytes: 2048000,
      files: 100,
      filesFree: 40,
      readonly: true,
      deviceError: false,
    });
    expect(fs?.usedRatio).toBeCloseTo(400 / 900, 12);
  });

  it('reports a failing statfs as deviceError with its errno', async () => {
    const scanner = new FilesystemScanner({
      hostRoot: '/',
      timeoutMs: 1000,
      statfs: async () => {
        throw Object.assign(new Error('denied'), { code: 'EACCES' });
      },
    });
    const [fs] = await scanner.scan([mount('/x')]);
    expect(fs).toMatchObject({ deviceError: true, errorReason: 'EACCES', sizeBytes: 0 });
  });

  it('keeps only the first of identical {device,fstype,mountpoint} label sets', async () => {
    const scanner = new FilesystemScanner({ hostRoot: '/', timeoutMs: 1000, statfs: async () => stat });
    const out = await scanner.scan([mount('/'), mount('/'), mount('/', '/dev/vdb')]);
    expect(out.map((f) => f.device)).toEqual(['/dev/vda', '/dev/vdb']);
  });

  it('times out a statfs that never settles, marks the mount stuck and never piles up calls on it', async () => {
    const hung: string[] = [];
    let release: (() => void) | undefined;
    const scanner = new FilesystemScanner({
      hostRoot: '/',
      timeoutMs: 30,
      statfs: (p) => {
        if (p === '/mnt/nfs') {
          hung.push(p);
          return new Promise<StatfsResult>((resolve) => {
            release = () => resolve(stat);
          });
        }
        return Promise.resolve(stat);
      },
    });
    const mounts = [mount('/'), mount('/mnt/nfs', 'srv:/e', 'nfs4')];

    const first = await scanner.scan(mounts);
    expect(first[0]?.deviceError).toBe(false);
    expect(first[1]).toMatchObject({ deviceError: true, errorReason: 'timeout' });
    expect(scanner.stuckPaths()).toEqual(['/mnt/nfs']);

    // While the first call hangs, later scans complete without a new call on that mount.
    for (let i = 0; i < 3; i++) {
      const again = await scanner.scan(mounts);
      expect(again[1]).toMatchObject({ deviceError: true, errorReason: 'stuck' });
      expect(again[0]?.deviceError).toBe(false);
    }
    expect(hung).toHaveLength(1);
    expect(scanner.issued).toBe(5); // 4 x '/' + 1 x '/mnt/nfs'

    // When the stuck call finally settles, the mount is statted again on the next scan.
    release?.();
    await new Promise((r) => setImmediate(r));
    expect(scanner.stuckPaths()).toEqual([]);
    const recovered = await scanner.scan(mounts);
    expect(hung).toHaveLength(2);
    expect(recovered[1]?.errorReason).toBe('timeout'); // our fake hangs again on the new call
  });

  it('a statfs function that throws synchronously is a device error, not a crash', async () => {
    const scanner = new FilesystemScanner({
      hostRoot: '/',
      timeoutMs: 1000,
      statfs: () => {
        throw new Error('boom');
      },
    });
    const [fs] = await scanner.scan([mount('/')]);
    expect(fs?.deviceError).toBe(true);
  });

  it('stops statting remote mounts once maxStuck calls hang, but keeps measuring local ones', async () => {
    const issued: string[] = [];
    const scanner = new FilesystemScanner({
      hostRoot: '/',
      timeoutMs: 20,
      maxStuck: 1,
      statfs: (p) => {
        issued.push(p);
        return p.startsWith('/mnt/') ? new Promise<StatfsResult>(() => {}) : Promise.resolve(stat);
      },
      concurrency: 1,
    });
    const mounts = [mount('/mnt/a', 'srv:/a', 'nfs4'), mount('/mnt/b', 'srv:/b', 'fuse.sshfs'), mount('/')];
    const out = await scanner.scan(mounts);
    expect(out.map((f) => f.errorReason)).toEqual(['timeout', 'stuck-limit', undefined]);
    await scanner.scan(mounts);
    expect(issued).toEqual(['/mnt/a', '/', '/']);
  });
});
