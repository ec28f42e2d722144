import { beforeEach, describe, expect, it, vi } from 'vitest';

// The kernel's per-process access check cannot be reproduced with files as
// root, so the two /proc primitives are replaced here.
const listDir = vi.fn<(path: string) => string[] | undefined>();
const readLink = vi.fn<(path: string) => string | undefined>();
vi.mock('../../../../collectors/shared/read.js', () => ({ listDir: (p: string) => listDir(p), readLink: (p: string) => readLink(p) }));
const { socketInodesOf } = await import('../../../../collectors/procfs/fds.js');

const eacces = () => Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
const enoent = () => Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });

describe('socketInodesOf', () => {
  beforeEach(() => {
    listDir.mockReset();
    readLink.mockReset();
  });

  it('collects socket inodes and skips fds closed since the listing', () => {
    listDir.mockReturnValue(['0', '1', '3', '4']);
    readLink.mockImplementation((p) => {
      if (p.endsWith('/3')) throw enoent();
      return p.endsWith('/4') ? 'socket:[77]' : '/dev/null';
    });
    expect(socketInodesOf('/proc', 9, undefined)).toEqual([77]);
  });

  it('stops at the first EACCES: the check is per process, every other fd would throw too', () => {
    listDir.mockReturnValue(Array.from({ length: 250 }, (_, i) => String(i + 3)));
    readLink.mockImplementation(() => {
      throw eacces();
    });
    expect(socketInodesOf('/proc', 1, [{ kind: 'socket', inode: 5 }, { kind: 'none' }, { kind: 'none' }])).toEqual([5]);
    expect(readLink).toHaveBeenCalledTimes(1);
  });

  it('is undefined for a process gone (or unreadable) before its listing', () => {
    listDir.mockReturnValue(undefined);
    expect(socketInodesOf('/proc', 9, undefined)).toBeUndefined();
    listDir.mockImplementation(() => {
      throw eacces();
    });
    expect(socketInodesOf('/proc', 9, undefined)).toBeUndefined();
  });
});
