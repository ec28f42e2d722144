import type { FdTarget } from '../model.js';
import { listDir, readLink } from '../shared/read.js';
import { socketInodeOf } from './parse-links.js';

/**
 * Inodes of every socket a process holds: readdir /proc/<pid>/fd and a
 * readlink per fd (what `ss -p` and `lsof` do). undefined when the process is
 * gone. An fd closed between readdir and readlink is skipped. Throws only on
 * non-churn failures of the directory itself.
 */
export function socketInodesOf(
  procRoot: string,
  pid: number,
  /** fd 0-2 as just read by the process reader: their readlinks are skipped. */
  knownStdio?: readonly FdTarget[],
): number[] | undefined {
  const dir = `${procRoot}/${pid}/fd`;
  let fds: string[] | undefined;
  try {
    fds = listDir(dir);
  } catch (err) {
    // EACCES: a process switching credentials mid-read; same as gone for now.
    if ((err as { code?: string }).code === 'EACCES') return undefined;
    throw err;
  }
  if (fds === undefined) return undefined;
  const inodes: number[] = [];
  if (knownStdio) for (const t of knownStdio) if (t.kind === 'socket') inodes.push(t.inode);
  for (const fd of fds) {
    if (knownStdio && (fd === '0' || fd === '1' || fd === '2')) continue;
    let target: string | undefined;
    try {
      target = readLink(`${dir}/${fd}`);
    } catch (err) {
      // The kernel checks access per process (ptrace read access), not per
      // fd: after one EACCES every other fd fails the same way, each a thrown
      // error (a locked-down pid 1 with 250 fds cost 250 of them per read).
      if ((err as { code?: string }).code === 'EACCES') break;
      continue; // closed since the listing
    }
    if (target === undefined) continue;
    const inode = socketInodeOf(target);
    if (inode !== undefined) inodes.push(inode);
  }
  return inodes;
}
