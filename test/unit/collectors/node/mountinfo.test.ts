import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, filterMounts, parseMountinfo, readHostMounts } from '../../../../collectors/node/index.js';
import { isReadOnly, stripRootPrefix } from '../../../../collectors/node/mountinfo.js';
import { FIXTURES } from './helpers.js';

const MOUNTINFO = readFileSync(join(FIXTURES, 'node/proc/1/mountinfo'), 'utf8');

describe('parseMountinfo', () => {
  const mounts = parseMountinfo(MOUNTINFO);

  it('skips malformed lines and keeps the rest', () => {
    expect(mounts).toHaveLength(16);
  });

  it('decodes \\040 in mount points and sources', () => {
    const disk = mounts.find((m) => m.device === '/dev/vdb');
    expect(disk?.mountpoint).toBe('/data/my disk');
    expect(mounts.find((m) => m.fstype === 'nfs4')?.device).toBe('server:/export dir');
  });

  it('finds fstype and source after any number of optional fields (including none)', () => {
    const disk = mounts.find((m) => m.mountpoint === '/data/my disk');
    expect(disk).toMatchObject({ fstype: 'xfs', superOptions: ['rw', 'attr2'], mountOptions: ['rw', 'noatime'] });
    expect(mounts.find((m) => m.mountpoint === '/sys')).toMatchObject({ fstype: 'sysfs', device: 'sysfs' });
  });

  it('reads read-only from either the mount or the superblock options', () => {
    expect(isReadOnly(mounts.find((m) => m.mountpoint === '/mnt/ro')!)).toBe(true); // superblock ro
    expect(isReadOnly(mounts.find((m) => m.mountpoint === '/snap/core/1')!)).toBe(true); // mount ro
    expect(isReadOnly(mounts.find((m) => m.mountpoint === '/')!)).toBe(false);
  });

  it('decodes every octal escape the kernel writes (tab, newline, backslash)', () => {
    const [m] = parseMountinfo('1 0 0:1 / /a\\011b\\012c\\134d rw - ext4 /dev/x rw\n');
    expect(m?.mountpoint).toBe('/a\tb\nc\\d');
  });
});

describe('node_exporter default exclusions', () => {
  it('are upstream filesystem_linux.go defMountPointsExcluded / defFSTypesExcluded verbatim', () => {
    expect(DEFAULT_MOUNT_POINTS_EXCLUDE.source.replaceAll('\\/', '/')).toBe('^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)');
    expect(DEFAULT_FS_TYPES_EXCLUDE.source).toBe(
      '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$',
    );
  });

  it('keep real filesystems and drop pseudo, container-layer and credential mounts', () => {
    const kept = filterMounts(parseMountinfo(MOUNTINFO), DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_FS_TYPES_EXCLUDE);
    expect([...new Set(kept.map((m) => m.mountpoint))].sort()).toEqual(['/', '/data/my disk', '/mnt/nfs', '/mnt/ro', '/run', '/var/lib/docker']);
  });

  it.each([
    ['/dev', true],
    ['/devices', false],
    ['/proc/sys/fs/binfmt_misc', true],
    ['/run/credentials/x.service', true],
    ['/run/credentials', false],
    ['/var/lib/docker', false],
    ['/var/lib/docker/volumes', true],
    ['/var/lib/containers/storage/overlay', true],
    ['/sysroot', false],
    ['/home', false],
  ])('mount point %s excluded: %s', (mp, excluded) => {
    expect(DEFAULT_MOUNT_POINTS_EXCLUDE.test(mp)).toBe(excluded);
  });

  it.each([
    ['cgroup', true],
    ['cgroup2', true],
    ['overlay', true],
    ['erofs', true],
    ['ext4', false],
    ['tmpfs', false],
    ['fuse.sshfs', false],
    ['nfs4', false],
    ['xfsx', false],
  ])('fs type %s excluded: %s', (t, excluded) => {
    expect(DEFAULT_FS_TYPES_EXCLUDE.test(t)).toBe(excluded);
  });
});

describe('readHostMounts', () => {
  it("reads pid 1's mount table", async () => {
    const mounts = await readHostMounts(join(FIXTURES, 'node/proc'), '/');
    expect(mounts.some((m) => m.mountpoint === '/data/my disk')).toBe(true);
  });

  it('falls back to self/mountinfo when pid 1 is hidden, stripping the host-root prefix', async () => {
    const mounts = await readHostMounts(join(FIXTURES, 'node-hidepid/proc'), '/host/root');
    expect(mounts.map((m) => m.mountpoint)).toEqual(['/', '/data', '/']);
    expect(mounts.map((m) => m.fstype)).toEqual(['ext4', 'xfs', 'overlay']);
  });

  it('stripRootPrefix only strips whole path components', () => {
    expect(stripRootPrefix('/host/rootfs', '/host/root')).toBe('/host/rootfs');
    expect(stripRootPrefix('/host/root/', '/host/root/')).toBe('/');
    expect(stripRootPrefix('/a', '/')).toBe('/a');
  });
});
