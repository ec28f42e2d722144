import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Removes `<baseline>.tmp-<pid>` files that a killed agent left between
 * writing its temp file and renaming it (SIGKILL, OOM kill, node crash).
 * Only this agent writes the baseline (one per node), so every temp file
 * but its own is stale. Returns the names removed; failures are thrown to
 * the caller, which counts them.
 */
export function removeStaleTemps(path: string, ownPid: number = process.pid): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw err;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length)) || name === `${prefix}${ownPid}`) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
