import { stat } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { buildRules, type BuiltRules } from '../build.js';
import { DEFAULT_SLICE_MS } from '../slices.js';
import type { RuleMatching, RuleSet } from '../compiler/index.js';
import { counter, gauge } from '../../core/metrics.js';
import { RulesRefusedError } from '../errors.js';
import { formatIssue, summarize } from '../load.js';
import type { LoadResult, RuleCatalog } from '../types.js';
import { identities } from './path-identity.js';
import { planRulesWatch } from './watch-plan.js';

/**
 * What the first load does with broken rule files: `fail` refuses to start
 * (start() rejects, as Falco exits); `skip` runs what compiled and names what
 * was dropped. A broken reload keeps the running set in both.
 */
export type RulesOnError = 'fail' | 'skip';

export interface RulesWatcherConfig {
  readonly paths: readonly string[];
  readonly debounceMs: number;
  readonly ruleMatching?: RuleMatching;
  /** Default skip. */
  readonly onError?: RulesOnError;
  /**
   * What the sensor provides, read at every load: the event types it emits
   * decide which rules count as never firing (an agent auditing syscalls
   * emits more). Default: rules/fields sensorCatalog.
   */
  readonly catalog?: () => RuleCatalog;
}

export interface RulesWatcher extends Component {
  /** Loads again now (the catalog changed: the same files may count differently). */
  refresh(): void;
}

export type RulesLoaded = {
  readonly ruleSet: RuleSet;
  readonly load: LoadResult;
  /** Items that failed to load (`rule "X"`, `macro "m"`...): under skip, what runs without them. */
  readonly dropped: readonly string[];
  /** The summary line: active and disabled counts. */
  readonly summary: string;
};

/** How often the watched rule paths are checked; a change loads within this plus debounceMs. */
const POLL_INTERVAL_MS = 1_000;

/** What was loaded, and what could not be read (a file over the limits is not in `files`, but must not look unchanged). */
const signature = (load: LoadResult): string => [...load.files.map((f) => `${f.path}\u0000${f.sha256}`), ...load.errors.map((e) => `!${e.code}\u0000${e.file}\u0000${e.message}`)].join('\n');

/**
 * Loads the rule paths at start, then reloads on change. The paths are
 * watched through their directories (see watch-plan.ts), so a Kubernetes
 * ConfigMap mount works: there each file is a symlink through `..data`, and an update
 * renames a new `..data_tmp` symlink over `..data` (the files themselves
 * never change). Events are debounced; a reload whose files hash the same as
 * the running set is skipped. A set with any error (load or compile) is
 * not swapped in: the old rules keep running, the issues are logged and
 * counted. start() resolves after the first load; with errors there, the
 * onError policy decides: skip hands what compiled to onLoad, naming what
 * was dropped; fail rejects (RulesRefusedError).
 */
export function createRulesWatcher(deps: CollectorDeps, cfg: RulesWatcherConfig, onLoad: (r: RulesLoaded) => void): RulesWatcher {
  const loadErrors = counter(deps.registry, { name: 'vigil_rules_load_errors_total', help: 'Problems found while loading rule files (each error counts once per load attempt).' });
  const filesInfo = gauge(deps.registry, { name: 'vigil_rules_files_info', help: 'Rule files of the running rule set, with their sha256.', labelNames: ['path', 'sha256'] });
  // Reload attempts after the first load, by outcome: an operator can see that
  // a ConfigMap update was read (applied, or rejected for errors) and that
  // unrelated file activity is not re-reading the rules (unchanged stays flat).
  const reloads = counter(deps.registry, {
    name: 'vigil_rules_reloads_total',
    help: 'Rule reload attempts after the first load, by outcome (applied, unchanged, rejected).',
    labelNames: ['outcome'],
  });
  for (const outcome of ['applied', 'unchanged', 'rejected']) reloads.inc({ outcome }, 0);
  const log = deps.log.child({ component: 'rules' });

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let guard: NodeJS.Timeout | undefined;
  let watchedIdentity = '';
  let arming: Promise<void> | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let activeSig: string | undefined;
  let failedSig: string | undefined;

  async function loadOnce(first: boolean): Promise<void> {
    let built: BuiltRules;
    let catalog: RuleCatalog | undefined;
    try {
      // A hot reload shares the thread with the event path: it yields every few ms (the first load has nothing to keep running).
      catalog = cfg.catalog?.();
      built = await buildRules(cfg.paths, {
        ...(catalog ? { catalog } : {}),
        ...(cfg.ruleMatching ? { ruleMatching: cfg.ruleMatching } : {}),
        ...(first ? {} : { cooperative: { sliceMs: DEFAULT_SLICE_MS } }),
      });
    } catch (err) {
      // The loader is not supposed to throw; if it does, it is a failed load.
      loadErrors.inc();
      deps.errors.report('rules', 'load', err);
      if (!first) reloads.inc({ outcome: 'rejected' });
      return;
    }
    const { load, ruleSet, errors, warnings, dropped } = built;
    // The same files under another catalog are another rule set.
    const sig = `${signature(load)}\n#${[...(catalog?.emittedEventTypes ?? [])].join(',')}`;
    if (!first && sig === activeSig) {
      reloads.inc({ outcome: 'unchanged' });
      return;
    }
    if (errors.length > 0) {
      if (sig !== failedSig) {
        for (const i of errors) log.error({ code: i.code, file: i.file, line: i.line, col: i.col }, formatIssue(i, 'error'));
        loadErrors.inc(errors.length);
      }
      failedSig = sig;
      if (!first) {
        log.error({ errors: errors.length }, 'rule files have errors: the running rules are kept');
        reloads.inc({ outcome: 'rejected' });
        return;
      }
      if ((cfg.onError ?? 'skip') === 'fail') {
        throw new RulesRefusedError(`rule files have ${errors.length} error${errors.length > 1 ? 's' : ''} (${dropped.join(', ')}); refusing to start (--rules-on-error fail)`);
      }
      log.error({ dropped, errors: errors.length }, `rule files have errors: running what compiled without ${dropped.join(', ')} (--rules-on-error skip)`);
    } else failedSig = undefined;
    for (const w of warnings) log.warn({ code: w.code }, formatIssue(w, 'warning'));
    activeSig = sig;
    filesInfo.reset();
    for (const f of load.files) filesInfo.set({ path: f.path, sha256: f.sha256 }, 1);
    const summary = summarize(built.counts);
    log.info({ ...built.counts, dropped: built.droppedRules.length, files: load.files.length }, `${first ? 'rules loaded' : 'rules reloaded'}: ${summary}`);
    if (!first) reloads.inc({ outcome: 'applied' });
    onLoad({ ruleSet, load, dropped: errors.length > 0 ? dropped : [], summary });
  }

  // Reloads never overlap: a change during a reload schedules one more.
  function reload(): void {
    if (stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = loadOnce(false).finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        reload();
      }
    });
  }

  function schedule(): void {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload();
    }, cfg.debounceMs);
    timer.unref();
  }

  /** The rules paths and the directories watched for them. */
  const watchedPaths = (): string[] => [...new Set([...cfg.paths.map((p) => resolvePath(p)), ...cfg.paths.map((p) => dirname(resolvePath(p)))])];

  /** (Re)builds the chokidar watch from what the paths are now. */
  async function arm(): Promise<void> {
    watchedIdentity = await identities(watchedPaths());
    const old = watcher;
    watcher = undefined;
    if (old !== undefined) await old.close().catch((err: unknown) => deps.errors.report('rules', 'watch', err));
    if (stopped) return;
    const dirs = new Set<string>();
    for (const p of cfg.paths)
      if (
        await stat(p).then(
          (st) => st.isDirectory(),
          () => false,
        )
      )
        dirs.add(resolvePath(p));
    const plan = planRulesWatch(cfg.paths, (p) => dirs.has(p));
    const w = watch([...plan.dirs], {
      ignoreInitial: true,
      depth: 0,
      persistent: true,
      ignored: (p: string) => plan.ignored(p),
      // Polling, not inotify: chokidar re-reads a watched directory (readdir
      // plus an lstat per entry) on every inotify event in it, so a file
      // written next to a rules file cost a re-read per write (69 % of a
      // core for a dd beside the rules). Polled, each watched path costs one
      // stat per interval, and a directory is re-read only when its own
      // mtime moves (an entry added, removed or renamed: a ConfigMap swap).
      usePolling: true,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
    });
    watcher = w;
    w.on('all', schedule);
    w.on('error', (err) => deps.errors.report('rules', 'watch', err));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  const component: RulesWatcher = {
    name: 'rules-watcher',
    refresh: () => reload(),
    async start(signal) {
      await loadOnce(true);
      if (stopped || signal.aborted) return;
      signal.addEventListener(
        'abort',
        () => {
          void component.stop();
        },
        { once: true },
      );
      await arm();
      // chokidar does not survive its paths disappearing, being replaced or
      // losing permission; when what a watched path is changes, re-arm it and
      // reload (the reload counts as applied, unchanged or rejected).
      guard = setInterval(() => {
        if (arming !== undefined || stopped) return;
        arming = (async () => {
          const now = await identities(watchedPaths());
          if (now !== watchedIdentity && !stopped) {
            log.info('a watched rules path changed (removed, replaced or permissions): re-arming the watch');
            await arm();
            schedule();
          }
        })()
          .catch((err: unknown) => deps.errors.report('rules', 'watch', err))
          .finally(() => {
            arming = undefined;
          });
      }, POLL_INTERVAL_MS);
      guard.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (guard !== undefined) clearInterval(guard);
      guard = undefined;
      if (arming !== undefined) await arming;
      const w = watcher;
      watcher = undefined;
      if (w !== undefined) await w.close();
      if (running !== undefined) await running;
    },
  };
  return component;
}
