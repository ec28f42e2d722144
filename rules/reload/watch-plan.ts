import { basename, dirname, resolve } from 'node:path';

/**
 * What the rules watcher watches, and which entries of those directories may
 * trigger a reload.
 *
 * Only directories are watched, one level deep (depth 0): a rules directory
 * itself (the loader reads its *.yaml / *.yml, not recursively), and a rules
 * file's parent directory, so that a symlink swap next to the file is seen.
 * Inside them only the entries that can change what loads count: a file's own
 * name, a directory's YAML files, and the `..`-prefixed entries of a mounted
 * ConfigMap (`..data`, `..data_tmp`, the timestamped directories). Everything
 * else is ignored: chokidar polls each path it watches once per interval, so
 * rules passed as a file in a busy directory (/tmp) must not make it poll, or
 * descend into, every neighbour there.
 */
export interface WatchPlan {
  /** Directories to hand to chokidar (absolute). */
  readonly dirs: readonly string[];
  /** chokidar's `ignored`: true for a path whose changes cannot matter. */
  ignored(path: string): boolean;
}

type EntryFilter = (name: string) => boolean;

const YAML = /\.ya?ml$/i;
const isConfigMapEntry = (name: string): boolean => name.startsWith('..');

export function planRulesWatch(paths: readonly string[], isDirectory: (path: string) => boolean): WatchPlan {
  const filters = new Map<string, EntryFilter[]>();
  const add = (dir: string, f: EntryFilter): void => {
    const list = filters.get(dir);
    if (list) list.push(f);
    else filters.set(dir, [f]);
  };
  for (const p of paths) {
    const abs = resolve(p);
    if (isDirectory(abs)) {
      add(abs, (name) => YAML.test(name) || isConfigMapEntry(name));
    } else {
      const own = basename(abs);
      add(dirname(abs), (name) => name === own || isConfigMapEntry(name));
    }
  }
  return {
    dirs: [...filters.keys()],
    ignored(path: string): boolean {
      const abs = resolve(path);
      if (filters.has(abs)) return false;
      const list = filters.get(dirname(abs));
      if (list === undefined) return true;
      const name = basename(abs);
      return !list.some((f) => f(name));
    },
  };
}
