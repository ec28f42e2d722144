import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export { testDeps } from '../../../helpers/deps.js';
import type { FdTarget, ProcessInfo } from '../../../../collectors/model.js';

const NONE: FdTarget = { kind: 'none' };

export function proc(pid: number, over: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    ppid: 1,
    startTicks: 1000 + pid,
    startTimeMs: 1_700_000_000_000,
    comm: 'sleep',
    exe: '/usr/bin/sleep',
    args: ['sleep', '1'],
    argsTruncated: false,
    uid: 0,
    gid: 0,
    user: 'root',
    tty: 0,
    vpid: pid,
    netns: 4026531840,
    stdio: [NONE, NONE, NONE],
    ...over,
  };
}

/** A fixture /proc: a directory per pid (with cmdline and cgroup files) plus non-pid entries. */
export class FixtureProc {
  readonly root = mkdtempSync(join(tmpdir(), 'vigil-exec-proc-'));
  constructor() {
    writeFileSync(join(this.root, 'stat'), 'btime 1700000000\n');
    mkdirSync(join(this.root, 'sys'));
    mkdirSync(join(this.root, 'self'));
  }
  add(pid: number, args: string[] = ['sleep', '1'], cgroup = '0::/user.slice\n'): void {
    const dir = join(this.root, String(pid));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cmdline'), `${args.join('\0')}\0`);
    writeFileSync(join(dir, 'cgroup'), cgroup);
  }
  remove(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
  }
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
