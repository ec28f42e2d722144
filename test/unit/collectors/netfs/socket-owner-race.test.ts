import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A new process's fd table is read before its netns's TCP rows; a socket it
// makes in between is in the rows but not in the table just read. Reproduced
// by hiding the socket from the first read of pid 200's table.
const firstRead = new Set<number>();
vi.mock('../../../../collectors/procfs/fds.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../collectors/procfs/fds.js')>();
  return {
    socketInodesOf: (root: string, pid: number, stdio?: Parameters<typeof real.socketInodesOf>[2]) => {
      const inodes = real.socketInodesOf(root, pid, stdio);
      if (pid !== 200 || firstRead.has(pid)) return inodes;
      firstRead.add(pid);
      return inodes?.filter((i) => i !== 6001);
    },
  };
});
const { createSocketTable } = await import('../../../../collectors/netfs/index.js');
const { createProcessTable } = await import('../../../../collectors/procfs/index.js');
const { fixtureCopy, testDeps } = await import('../procfs/helpers.js');

let t: ReturnType<typeof fixtureCopy>;
beforeEach(() => {
  t = fixtureCopy();
  firstRead.clear();
});
afterEach(() => rmSync(t.root, { recursive: true, force: true }));

describe('socket owner search', () => {
  it('re-reads a process that just started, first read this scan, when nothing else holds the new socket', () => {
    // Boot 70 s ago: pid 200 (started 7000 ticks after boot) started just now.
    const stat = join(t.proc, 'stat');
    writeFileSync(stat, readFileSync(stat, 'utf8').replace(/^btime \d+$/m, `btime ${Math.floor(Date.now() / 1000) - 70}`));
    const deps = testDeps();
    const procs = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096 });
    const socks = createSocketTable(deps, { procRoot: t.proc });
    procs.scan();
    socks.scan(procs);
    expect(firstRead.has(200)).toBe(true);
    expect(socks.byInode(6001)?.pids).toEqual([200]);
  });
});

describe('socket owner search in a cold scan', () => {
  it('does not read again every process it has just read (they started long ago)', () => {
    const deps = testDeps();
    const procs = createProcessTable(deps, { procRoot: t.proc, passwdPath: t.passwd, maxCmdlineBytes: 4096 });
    const socks = createSocketTable(deps, { procRoot: t.proc });
    procs.scan();
    socks.scan(procs);
    // The fixture's boot is long past: pid 200 is old, so the hidden socket stays without owner.
    expect(socks.byInode(6001)?.pids).toEqual([]);
  });
});
