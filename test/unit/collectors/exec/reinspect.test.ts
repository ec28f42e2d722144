import { describe, expect, it, vi } from 'vitest';
import type { ProcessInfo } from '../../../../collectors/model.js';
import { isInterestingProcess, needsReinspection, Reinspector, sameImage, sameStdio } from '../../../../collectors/exec/reinspect.js';
import { proc } from './helpers.js';

describe('isInterestingProcess', () => {
  it('recognizes shells, interpreters and relays by comm, exe or argv[0]', () => {
    for (const comm of ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'python3', 'python3.11', 'perl', 'ruby', 'node', 'php', 'lua5.4', 'nc', 'ncat', 'socat']) {
      expect(isInterestingProcess(proc(1, { comm, exe: '', args: [] })), comm).toBe(true);
    }
    expect(isInterestingProcess(proc(1, { comm: 'x', exe: '/bin/busybox', args: ['sh'] }))).toBe(true);
    expect(isInterestingProcess(proc(1, { comm: 'x', exe: '', args: ['/usr/bin/python3'] }))).toBe(true);
    for (const comm of ['sleep', 'nginx', 'shd', 'bashful', 'nodejs-helper']) {
      expect(isInterestingProcess(proc(1, { comm, exe: `/usr/bin/${comm}`, args: [comm] })), comm).toBe(false);
    }
  });
});

describe('needsReinspection', () => {
  const quiet = [
    { kind: 'tty', path: '/dev/pts/0' },
    { kind: 'file', path: '/dev/null' },
    { kind: 'tty', path: '/dev/pts/0' },
  ] as const;
  it('re-reads renamed shells, /proc/self/exe re-execs and anything whose stdio is not a terminal or /dev/null', () => {
    expect(needsReinspection(proc(1, { comm: 'kworker', exe: '/tmp/kworker', args: ['kworker'], stdio: quiet, exeClass: 'shell' }))).toBe(true);
    expect(needsReinspection(proc(1, { comm: 'exe', exe: '/bin/busybox', args: ['x'], stdio: quiet }))).toBe(true);
    expect(needsReinspection(proc(1, { comm: 'app', exe: '/usr/bin/app', args: ['app'], stdio: [quiet[0], { kind: 'pipe', inode: 3 }, quiet[2]] }))).toBe(true);
    expect(needsReinspection(proc(1, { comm: 'app', exe: '/usr/bin/app', args: ['app'], stdio: quiet }))).toBe(false);
  });
});

describe('sameImage', () => {
  it('tells a new image by executable identity and argv, not only comm', () => {
    const sh = proc(1, { comm: 'sh', exe: '/bin/busybox', exeId: '8:1', args: ['sh'] });
    expect(sameImage(sh, { ...sh })).toBe(true);
    expect(sameImage(sh, { ...sh, exeId: '8:2' })).toBe(false);
    expect(sameImage(sh, { ...sh, args: ['sh', '-c', 'x'] })).toBe(false);
    expect(sameImage(sh, { ...sh, comm: 'nc' })).toBe(false);
    // A partial read lacks exe and argv: only what both have counts.
    expect(sameImage(sh, { ...sh, exe: '', exeId: undefined, args: [] })).toBe(true);
  });
});

describe('sameStdio', () => {
  it('compares kind and identity', () => {
    const a = proc(1).stdio;
    expect(sameStdio(a, a)).toBe(true);
    expect(sameStdio(a, [{ kind: 'socket', inode: 1 }, a[1], a[2]])).toBe(false);
    expect(sameStdio([{ kind: 'pipe', inode: 1 }, a[1], a[2]], [{ kind: 'pipe', inode: 2 }, a[1], a[2]])).toBe(false);
    expect(sameStdio([{ kind: 'tty', path: '/dev/pts/0' }, a[1], a[2]], [{ kind: 'tty', path: '/dev/pts/0' }, a[1], a[2]])).toBe(true);
  });
});

describe('Reinspector', () => {
  function setup(reads: (ProcessInfo | undefined)[]) {
    const changed: ProcessInfo[] = [];
    const reader = { read: vi.fn(() => reads.shift()) };
    const r = new Reinspector(reader, {
      delaysMs: [5, 15],
      maxPending: 1,
      onChanged: (p) => changed.push(p),
      onSkipped: vi.fn(),
      onError: vi.fn(),
    });
    return { r, reader, changed };
  }
  const sock = { kind: 'socket', inode: 5 } as const;

  it('reports only reads whose stdio changed', async () => {
    const base = proc(9, { comm: 'bash' });
    const { r, reader, changed } = setup([base, proc(9, { comm: 'bash', stdio: [sock, sock, sock] })]);
    r.schedule(base);
    await vi.waitFor(() => expect(reader.read).toHaveBeenCalledTimes(2));
    expect(changed).toHaveLength(1);
    expect(changed[0]!.stdio[0]).toEqual(sock);
    expect(r.pendingCount).toBe(0);
  });

  it('reports a new image with unchanged stdio (a re-exec renamed after exec)', async () => {
    const base = proc(9, { comm: 'exe', args: ['nc', 'h', '1'] });
    const { r, changed } = setup([proc(9, { comm: 'nc', args: ['nc', 'h', '1'] }), proc(9, { comm: 'nc', args: ['nc', 'h', '1'] })]);
    r.schedule(base);
    await vi.waitFor(() => expect(r.pendingCount).toBe(0));
    expect(changed.map((p) => p.comm)).toEqual(['nc']);
  });

  it('skips the full read while the cheap probe shows nothing moved', async () => {
    const base = proc(9, { comm: 'app' });
    const reader = { read: vi.fn(() => proc(9, { comm: 'app', stdio: [sock, sock, sock] })) };
    const probes = [
      { startTicks: base.startTicks, comm: 'app', stdio: base.stdio },
      { startTicks: base.startTicks, comm: 'app', stdio: [sock, sock, sock] as const },
    ];
    const changed: ProcessInfo[] = [];
    const r = new Reinspector(reader, { delaysMs: [5, 15], maxPending: 4, onChanged: (p) => changed.push(p), onSkipped: vi.fn(), onError: vi.fn() }, () => probes.shift());
    r.schedule(base);
    await vi.waitFor(() => expect(r.pendingCount).toBe(0));
    expect(reader.read).toHaveBeenCalledTimes(1);
    expect(changed).toHaveLength(1);
  });

  it('stops when the process is gone or its pid was reused', async () => {
    const base = proc(9);
    const { r, reader, changed } = setup([proc(9, { startTicks: 1, stdio: [sock, sock, sock] })]);
    r.schedule(base);
    await vi.waitFor(() => expect(r.pendingCount).toBe(0));
    expect(reader.read).toHaveBeenCalledTimes(1);
    expect(changed).toHaveLength(0);
  });

  it('bounds pending work and cancels on stop', () => {
    const { r } = setup([]);
    r.schedule(proc(1));
    r.schedule(proc(2)); // over maxPending: skipped
    expect(r.pendingCount).toBe(1);
    r.stop();
    expect(r.pendingCount).toBe(0);
  });
});
