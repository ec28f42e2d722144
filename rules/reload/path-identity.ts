import { lstat, realpath, stat } from 'node:fs/promises';

/**
 * What a watched path is right now, as a string that changes whenever the
 * watch must be rebuilt: missing, unreadable, replaced by a file, a
 * directory or a symlink (to elsewhere), or its permissions changed.
 * chokidar loses a directory that disappears and never picks it up again
 * when it comes back; the rules watcher compares these once per poll and
 * re-arms on any change. Content changes are chokidar's job, not this one's.
 */
export async function pathIdentity(path: string): Promise<string> {
  try {
    const l = await lstat(path);
    const link = l.isSymbolicLink() ? `->${await realpath(path).catch((e: NodeJS.ErrnoException) => `!${e.code ?? 'ERR'}`)}` : '';
    const s = await stat(path).catch(() => l);
    const type = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
    return `${type}:${s.dev}:${s.ino}:${s.mode.toString(8)}:${s.uid}:${s.gid}${link}`;
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? 'ERR'}`;
  }
}

export async function identities(paths: readonly string[]): Promise<string> {
  return (await Promise.all(paths.map(async (p) => `${p}=${await pathIdentity(p)}`))).join('\n');
}
