import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CgroupError } from './errors.js';

/**
 * Where the stats files of a container live. On v2 everything is in one
 * directory per cgroup; on v1 each controller is its own hierarchy, mounted
 * either alone (`cpu`, `cpuacct`) or combined (`cpu,cpuacct`), and a
 * container's cgroup has the same relative path in each of them.
 */
export type CgroupLayout =
  | { readonly version: 2; readonly root: string; readonly watchRoot: string }
  | {
      readonly version: 1;
      readonly root: string;
      /** The one hierarchy watched for new and removed cgroups. */
      readonly watchRoot: string;
      /** Absolute directory of each controller's hierarchy, when mounted. */
      readonly controllers: Readonly<Partial<Record<V1Controller, string>>>;
    };

export type V1Controller = 'cpu' | 'cpuacct' | 'memory' | 'blkio' | 'pids';
const V1_CONTROLLERS: readonly V1Controller[] = ['cpu', 'cpuacct', 'memory', 'blkio', 'pids'];
/** Preference order for the watched hierarchy: every runtime creates a memory cgroup. */
const WATCH_ORDER: readonly V1Controller[] = ['memory', 'cpu', 'cpuacct', 'pids', 'blkio'];

export function detectCgroupLayout(cgroupRoot: string): CgroupLayout {
  if (existsSync(join(cgroupRoot, 'cgroup.controllers'))) {
    return { version: 2, root: cgroupRoot, watchRoot: cgroupRoot };
  }
  let entries: string[];
  try {
    entries = readdirSync(cgroupRoot);
  } catch (err) {
    throw new CgroupError('VIGIL_ERR_CGROUP_LAYOUT', `cannot list cgroup root ${cgroupRoot}`, { cause: err });
  }
  const controllers: Partial<Record<V1Controller, string>> = {};
  // Combined mounts (`cpu,cpuacct`) first, so a plain `cpu` symlink to the
  // same place or a separate mount wins only when it really is separate.
  const sorted = [...entries].sort((a, b) => Number(b.includes(',')) - Number(a.includes(',')));
  for (const entry of sorted) {
    const dir = join(cgroupRoot, entry);
    if (!isDir(dir)) continue;
    for (const c of entry.split(',')) {
      if ((V1_CONTROLLERS as readonly string[]).includes(c)) {
        const ctl = c as V1Controller;
        if (entry === c || controllers[ctl] === undefined) controllers[ctl] = dir;
      }
    }
  }
  const watch = WATCH_ORDER.find((c) => controllers[c] !== undefined);
  if (watch === undefined) {
    throw new CgroupError('VIGIL_ERR_CGROUP_LAYOUT', `${cgroupRoot} is neither cgroup v2 (no cgroup.controllers) nor v1 (no cpu, cpuacct, memory, pids or blkio hierarchy)`);
  }
  return { version: 1, root: cgroupRoot, watchRoot: controllers[watch]!, controllers };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
