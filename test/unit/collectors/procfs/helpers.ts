import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
export { testDeps } from '../../../helpers/deps.js';

export const FIXTURE = resolve(import.meta.dirname, '../../../fixtures/proc-basic');
export const FIXTURE_PROC = join(FIXTURE, 'proc');

/** A writable copy of the fixture tree, for tests that make pids come and go. */
export function fixtureCopy(): { root: string; proc: string; passwd: string } {
  const root = mkdtempSync(join(tmpdir(), 'vigil-procfs-'));
  cpSync(FIXTURE, root, { recursive: true, verbatimSymlinks: true });
  // Git keeps no empty directories: the fd dirs of processes with no open fd
  // (a kernel thread, a zombie) exist in /proc and must exist here too.
  for (const pid of ['2', '600']) mkdirSync(join(root, 'proc', pid, 'fd'), { recursive: true });
  return { root, proc: join(root, 'proc'), passwd: join(root, 'etc/passwd') };
}

/** The fixture's sshd listener (pid 100, host netns) as /proc/net/tcp gives it. */
export const SSHD_LISTEN_ROW = { proto: 'tcp', localAddr: '0.0.0.0', localPort: 22, remoteAddr: '0.0.0.0', remotePort: 0, state: 'LISTEN', uid: 0, inode: 5001 } as const;
