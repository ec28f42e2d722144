import { type Dirent, type FSWatcher, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { isChurn } from '../../core/errors.js';
import { CgroupError } from './errors.js';
import { type ParsedCgroupPath, parseContainerCgroupPath } from './parse-path.js';

export interface TreeWatcherEvents {
  onAdd(cgroupPath: string, parsed: ParsedCgroupPath): void;
  onRemove(cgroupPath: string): void;
  onError(stage: string, err: unknown): void;
}

export interface TreeWatcherOptions {
  /** Cgroups deeper than this are not searched (kubepods/qos/pod/ctr is depth 4). */
  readonly maxDepth: number;
  /** Upper bound on inotify watches, so a huge or hostile tree cannot exhaust them. */
  readonly maxWatches: number;
}

const DEFAULTS: TreeWatcherOptions = { maxDepth: 10, maxWatches: 10_000 };

/**
 * Keeps the set of container cgroups under one hierarchy up to date, the way
 * cAdvisor's raw watcher does: an inotify watch (fs.watch) on every
 * non-container cgroup directory, so a new `mkdir` anywhere is seen at once,
 * and a full walk (`resync`) that repairs whatever inotify missed (events
 * dropped under load, a directory created before its parent was watched).
 *
 * Container cgroups are leaves for us: their sub-cgroups are not searched.
 */
export class CgroupTreeWatcher {
  private readonly opts: TreeWatcherOptions;
  /** Watched directory (relative path, '/' for the root) → its watcher. */
  private readonly watchers = new Map<string, FSWatcher>();
  /** Directory → names of the children we track in it (sub-dirs and containers). */
  private readonly children = new Map<string, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private closed = false;
  private watchLimitReported = false;

  constructor(
    private readonly root: string,
    private readonly events: TreeWatcherEvents,
    opts: Partial<TreeWatcherOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Container cgroup paths currently known. */
  get known(): ReadonlySet<string> {
    return this.containers;
  }

  get watchCount(): number {
    return this.watchers.size;
  }

  /** Walks the whole tree: adds what is new, removes what is gone. Never throws. */
  resync(): void {
    if (this.closed) return;
    this.ensureWatched('/');
    this.reconcile('/', 0, true);
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.children.clear();
    this.containers.clear();
    this.pending.clear();
  }

  private ensureWatched(rel: string): boolean {
    if (this.watchers.has(rel)) return true;
    if (this.watchers.size >= this.opts.maxWatches) {
      if (!this.watchLimitReported) {
        this.watchLimitReported = true;
        this.events.onError('watch', new CgroupError('VIGIL_ERR_CGROUP_WATCH', `watch limit ${this.opts.maxWatches} reached; relying on resync below ${rel}`));
      }
      return false;
    }
    try {
      const w = watch(join(this.root, rel), { persistent: false }, () => this.schedule(rel));
      w.on('error', (err) => {
        // The directory went away (or the watch broke): let the parent decide.
        w.close();
        if (this.watchers.get(rel) === w) this.watchers.delete(rel);
        if (!isChurn(err)) this.events.onError('watch', err);
        this.schedule(parentOf(rel));
      });
      this.watchers.set(rel, w);
      return true;
    } catch (err) {
      if (!isChurn(err)) this.events.onError('watch', new CgroupError('VIGIL_ERR_CGROUP_WATCH', `cannot watch ${rel}`, { cause: err }));
      return false;
    }
  }

  private schedule(rel: string): void {
    if (this.closed) return;
    this.pending.add(rel);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One event burst (runc creating a cgroup in a few steps) is one pass.
    setImmediate(() => {
      this.flushScheduled = false;
      const dirs = [...this.pending];
      this.pending.clear();
      for (const d of dirs) {
        if (this.closed) return;
        if (this.children.has(d)) this.reconcile(d, depthOf(d), false);
      }
    });
  }

  /**
   * Brings what we track in `rel` in line with what is there. The watch is
   * set before listing, so a child created in between raises an event and is
   * not lost. `full` also re-lists directories that were already known.
   */
  private reconcile(rel: string, depth: number, full: boolean): void {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(this.root, rel), { withFileTypes: true });
    } catch (err) {
      if (!isChurn(err) && (err as { code?: string }).code !== 'ENOTDIR') {
        this.events.onError('scan', new CgroupError('VIGIL_ERR_CGROUP_WATCH', `cannot list ${rel}`, { cause: err }));
      }
      this.forget(rel);
      return;
    }
    const tracked = this.children.get(rel) ?? new Set<string>();
    this.children.set(rel, tracked);
    const present = new Set<string>();
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      present.add(e.name);
      const child = rel === '/' ? `/${e.name}` : `${rel}/${e.name}`;
      const parsed = parseContainerCgroupPath(child);
      if (parsed) {
        tracked.add(e.name);
        if (!this.containers.has(child)) {
          this.containers.add(child);
          this.events.onAdd(child, parsed);
        }
        continue;
      }
      if (depth + 1 >= this.opts.maxDepth) continue;
      const isNew = !this.children.has(child);
      tracked.add(e.name);
      this.ensureWatched(child);
      if (isNew || full) this.reconcile(child, depth + 1, full);
    }
    for (const name of [...tracked]) {
      if (present.has(name)) continue;
      tracked.delete(name);
      this.forget(rel === '/' ? `/${name}` : `${rel}/${name}`);
    }
  }

  /** Drops a directory that is gone, with every container and watch below it. */
  private forget(rel: string): void {
    if (this.containers.delete(rel)) {
      this.events.onRemove(rel);
      return;
    }
    const sub = this.children.get(rel);
    if (sub) {
      for (const name of sub) this.forget(rel === '/' ? `/${name}` : `${rel}/${name}`);
      this.children.delete(rel);
    }
    const w = this.watchers.get(rel);
    if (w) {
      w.close();
      this.watchers.delete(rel);
    }
  }
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i <= 0 ? '/' : rel.slice(0, i);
}

function depthOf(rel: string): number {
  return rel === '/' ? 0 : rel.split('/').length - 1;
}
