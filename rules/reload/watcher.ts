import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { compileRuleSet } from '../compiler/index.js';
import type { RuleMatching, RuleSet } from '../compiler/index.js';
import { counter, gauge } from '../../core/metrics.js';
import { fieldExists } from '../fields/index.js';
import { formatIssue, loadRulePaths } from '../load.js';
import type { LoadResult } from '../types.js';
import { planRulesWatch } from './watch-plan.js';

export interface RulesWatcherConfig {
  readonly paths: readonly string[];
  readonly debounceMs: number;
  readonly ruleMatching?: RuleMatching;
}

export type RulesLoaded = { readonly ruleSet: RuleSet; readonly load: LoadResult };

/** How often the watched rule paths are checked; a change loads within this plus debounceMs. */
const POLL_INTERVAL_MS = 1_000;

const signature = (load: LoadResult): string => load.files.map((f) => `${f.path}\u0000${f.sha256}`).join('\n');

/**
 * Loads the rule paths at start, then reloads on change. The paths are
 * watched through their directories (see watch-plan.ts), so a Kubernetes
 * ConfigMap mount works: there each file is a symlink through `..data`, and an update
 * renames a new `..data_tmp` symlink over `..data` (the files themselves
 * never change). Events are debounced; a reload whose files hash the same as
 * the running set is skipped. A set with any error (load or compile) is
 * not swapped in: the old rules keep running, the issues are logged and
 * counted. start() resolves after the first load, which is handed to
 * onLoad whatever its errors (what did load runs).
 */
export function createRulesWatcher(deps: CollectorDeps, cfg: RulesWatcherConfig, onLoad: (r: RulesLoaded) => void): Component {
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
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let activeSig: string | undefined;
  let failedSig: string | undefined;

  async function loadOnce(first: boolean): Promise<void> {
    let load: LoadResult;
    try {
      load = await loadRulePaths(cfg.paths, { fieldExists });
    } catch (err) {
      // The loader is not supposed to throw; if it does, it is a failed load.
      loadErrors.inc();
      deps.errors.report('rules', 'load', err);
      if (!first) reloads.inc({ outcome: 'rejected' });
      return;
    }
    const sig = signature(load);
    if (!first && sig === activeSig) {
      reloads.inc({ outcome: 'unchanged' });
      return;
    }
    const { ruleSet, issues, warnings } = compileRuleSet(load, cfg.ruleMatching ? { ruleMatching: cfg.ruleMatching } : undefined);
    const errors = [...load.errors, ...issues];
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
    } else failedSig = undefined;
    for (const w of [...load.warnings, ...warnings]) log.warn({ code: w.code }, formatIssue(w, 'warning'));
    activeSig = sig;
    filesInfo.reset();
    for (const f of load.files) filesInfo.set({ path: f.path, sha256: f.sha256 }, 1);
    log.info({ rules: ruleSet.rules.length, disabled: ruleSet.summary.length - ruleSet.rules.length, files: load.files.length }, first ? 'rules loaded' : 'rules reloaded');
    if (!first) reloads.inc({ outcome: 'applied' });
    onLoad({ ruleSet, load });
  }

  // Reloads never overlap: a change during a reload schedules one more.
  function reload(): void {
    if (stopped) return;
    if (running !== undefined) { again = true; return; }
    running = loadOnce(false).finally(() => {
      running = undefined;
      if (again && !stopped) { again = false; reload(); }
    });
  }

  function schedule(): void {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; reload(); }, cfg.debounceMs);
    timer.unref();
  }

  const component: Component = {
    name: 'rules-watcher',
    async start(signal) {
      await loadOnce(true);
      if (stopped || signal.aborted) return;
      const dirs = new Set<string>();
      for (const p of cfg.paths) if (await stat(p).then((st) => st.isDirectory(), () => false)) dirs.add(resolvePath(p));
      const plan = planRulesWatch(cfg.paths, (p) => dirs.has(p));
      watcher = watch([...plan.dirs], {
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
      watcher.on('all', schedule);
      watcher.on('error', (err) => deps.errors.report('rules', 'watch', err));
      signal.addEventListener('abort', () => { void component.stop(); }, { once: true });
      await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const w = watcher;
      watcher = undefined;
      if (w !== undefined) await w.close();
      if (running !== undefined) await running;
    },
  };
  return component;
}
