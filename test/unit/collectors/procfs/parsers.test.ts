import { describe, expect, it } from 'vitest';
import { parseCmdline, parseFdLink, parseNsLink, parsePasswd, parseStat, parseStatus, rootOverlayUpperdir, sameFdTarget, socketInodeOf } from '../../../../collectors/procfs/index.js';
import { containerFromProcCgroup } from '../../../../collectors/cgroups/parse-path.js';

const tail = (start: number, flags = 4194560) => `S 1 42 42 34819 -1 ${flags} 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 100 18446744073709551615`;

describe('parseStat', () => {
  it('reads pid, comm, ppid, process group, tty and start time', () => {
    expect(parseStat(`42 (bash) ${tail(12345)}\n`)).toEqual({
      pid: 42,
      comm: 'bash',
      state: 'S',
      ppid: 1,
      pgrp: 42,
      tty: 34819,
      startTicks: 12345,
      kernelThread: false,
    });
  });
  it('cuts comm at the last ")" so spaces, parentheses and newlines survive', () => {
    const st = parseStat(`7 (a (b)\n) c) ${tail(99)}`);
    expect(st?.comm).toBe('a (b)\n) c');
    expect(st?.ppid).toBe(1);
    expect(st?.startTicks).toBe(99);
  });
  it('handles a comm that is just ")"', () => {
    expect(parseStat(`8 ()) ${tail(5)}`)?.comm).toBe(')');
  });
  it('flags kernel threads (PF_KTHREAD)', () => {
    expect(parseStat(`2 (kthreadd) ${tail(1, 0x00208040)}`)?.kernelThread).toBe(true);
  });
  it('returns undefined on a truncated line instead of throwing', () => {
    expect(parseStat('42 (bash) S 1 4')).toBeUndefined();
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('garbage')).toBeUndefined();
  });
});

describe('parseStatus', () => {
  it('takes effective uid/gid, the last NSpid and NSpgid entries and the capability masks', () => {
    const text =
      'Name:\tsh\nPid:\t200\nUid:\t0\t1000\t1000\t1000\nGid:\t0\t50\t50\t50\nNSpid:\t200\t17\t1\nNSpgid:\t198\t15\t3\n' +
      'CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t00000000a80425fb\n';
    expect(parseStatus(text)).toEqual({ uid: 1000, gid: 50, vpid: 1, vpgid: 3, capEffective: 0xa80425fb, capPermitted: 0x1ffffffffff });
  });
  it('gives -1 for missing capability and group lines, never NaN', () => {
    const st = parseStatus('Pid:\t9\nCapEff:\tzz\n');
    expect([st.vpgid, st.capEffective, st.capPermitted]).toEqual([-1, -1, -1]);
  });
  it('falls back to Pid without NSpid (old kernels)', () => {
    expect(parseStatus('Pid:\t9\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n').vpid).toBe(9);
  });
});

describe('parseCmdline', () => {
  it('splits on NUL and drops the trailing one', () => {
    expect(parseCmdline(Buffer.from('nc\0-e\0/bin/sh\0'))).toEqual(['nc', '-e', '/bin/sh']);
  });
  it('keeps empty arguments', () => {
    expect(parseCmdline(Buffer.from('a\0\0b\0'))).toEqual(['a', '', 'b']);
  });
  it('replaces invalid UTF-8 instead of throwing', () => {
    expect(parseCmdline(Buffer.from([0x63, 0xe9, 0, 0xff, 0xfe, 0]))).toEqual(['c\ufffd', '\ufffd\ufffd']);
  });
  it('returns [] for kernel threads and keeps a rewritten argv whole', () => {
    expect(parseCmdline(Buffer.alloc(0))).toEqual([]);
    expect(parseCmdline(Buffer.from('nginx: master process /usr/sbin/nginx'))).toEqual(['nginx: master process /usr/sbin/nginx']);
  });
});

describe('fd and namespace links', () => {
  it('classifies stdio targets', () => {
    expect(parseFdLink('socket:[123]')).toEqual({ kind: 'socket', inode: 123 });
    expect(parseFdLink('pipe:[9]')).toEqual({ kind: 'pipe', inode: 9 });
    expect(parseFdLink('/dev/pts/3')).toEqual({ kind: 'tty', path: '/dev/pts/3' });
    expect(parseFdLink('/dev/tty1')).toEqual({ kind: 'tty', path: '/dev/tty1' });
    expect(parseFdLink('/dev/ttyS0')).toEqual({ kind: 'tty', path: '/dev/ttyS0' });
    expect(parseFdLink('/dev/null')).toEqual({ kind: 'file', path: '/dev/null' });
    expect(parseFdLink('/tmp/x (deleted)')).toEqual({ kind: 'file', path: '/tmp/x (deleted)' });
    expect(parseFdLink('anon_inode:[eventfd]')).toEqual({ kind: 'anon', path: 'anon_inode:[eventfd]' });
    expect(parseFdLink('anon_inode:inotify')).toEqual({ kind: 'anon', path: 'anon_inode:inotify' });
    expect(parseFdLink(undefined)).toEqual({ kind: 'none' });
  });
  it('reads namespace and socket inodes', () => {
    expect(parseNsLink('net:[4026531840]')).toBe(4026531840);
    expect(parseNsLink('garbage')).toBeUndefined();
    expect(socketInodeOf('socket:[77]')).toBe(77);
    expect(socketInodeOf('pipe:[77]')).toBeUndefined();
  });
  it('compares targets by kind and value', () => {
    expect(sameFdTarget({ kind: 'socket', inode: 1 }, { kind: 'socket', inode: 1 })).toBe(true);
    expect(sameFdTarget({ kind: 'socket', inode: 1 }, { kind: 'socket', inode: 2 })).toBe(false);
    expect(sameFdTarget({ kind: 'tty', path: '/dev/pts/1' }, { kind: 'file', path: '/dev/pts/1' })).toBe(false);
    expect(sameFdTarget({ kind: 'none' }, { kind: 'none' })).toBe(true);
  });
});

describe('cgroup (via containerFromProcCgroup)', () => {
  const id = 'b'.repeat(64);
  it('finds a docker container on cgroup v1', () => {
    expect(containerFromProcCgroup(`12:memory:/docker/${id}\n0::/\n`)?.id).toBe(id);
  });
  it('finds a kubelet container on cgroup v2 with the systemd driver', () => {
    const line = `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234abcd_1234_1234_1234_123456789abc.slice/cri-containerd-${id}.scope\n`;
    expect(containerFromProcCgroup(line)).toMatchObject({ id, runtime: 'containerd' });
  });
  it('returns undefined for a host process', () => {
    expect(containerFromProcCgroup('0::/user.slice/user-0.slice/session-1.scope\n')).toBeUndefined();
  });
});

describe('rootOverlayUpperdir', () => {
  it('returns the upperdir of the overlay mounted on /', () => {
    const mi = '1 0 0:1 / / rw - overlay overlay rw,lowerdir=/l1:/l2,upperdir=/var/lib/docker/overlay2/x/diff,workdir=/w\n';
    expect(rootOverlayUpperdir(mi)).toBe('/var/lib/docker/overlay2/x/diff');
  });
  it('handles optional fields and octal escapes', () => {
    const mi = '1 0 0:1 / / rw shared:1 master:2 - overlay overlay rw,upperdir=/a\\040b/diff,workdir=/w\n';
    expect(rootOverlayUpperdir(mi)).toBe('/a b/diff');
  });
  it('returns undefined when / is not an overlay (vfs, host)', () => {
    expect(rootOverlayUpperdir('1 0 8:1 /var/lib/docker/vfs/dir/x / rw - ext4 /dev/sda1 rw\n')).toBeUndefined();
    expect(rootOverlayUpperdir('')).toBeUndefined();
  });
  it('lets the last mount on / win', () => {
    const mi = '1 0 0:1 / / rw - overlay overlay rw,upperdir=/u\n2 1 0:2 / / rw - tmpfs tmpfs rw\n';
    expect(rootOverlayUpperdir(mi)).toBeUndefined();
  });
});

describe('parsePasswd', () => {
  it('maps uids to the first name, skipping comments and junk', () => {
    const m = parsePasswd('# c\nroot:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad\nalice:x:1000:1000::/h:/bin/sh\n');
    expect(m.get(0)).toBe('root');
    expect(m.get(1000)).toBe('alice');
    expect(m.size).toBe(2);
  });
});
