import { compileRuleSetSteps } from './compiler/index.js';
import type { RuleMatching, RuleSet } from './compiler/index.js';
import { sensorCatalog } from './fields/index.js';
import { countRules, loadRuleTextSteps, withReadErrors, type RuleCounts, type RulesLoadResult } from './load.js';
import { readRulePaths, type RuleText } from './loader/files.js';
import { runSteps, runStepsCooperatively, type Cooperative, type Steps } from './slices.js';
import type { Issue, RuleCatalog } from './types.js';

export interface BuildOptions {
  readonly catalog?: RuleCatalog;
  readonly engineVersion?: string;
  readonly ruleMatching?: RuleMatching;
  /** Give the event loop a turn every `sliceMs` while loading and compiling (hot reload); absent: run at once. */
  readonly cooperative?: Cooperative;
}

/** Rule files loaded and compiled: what the agent would run, and every problem found on the way. */
export interface BuiltRules {
  readonly load: RulesLoadResult;
  readonly ruleSet: RuleSet;
  /** Load errors then compile errors, each at its file:line:col. */
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** Loaded rules by state (rules dropped for errors are not counted here). */
  readonly counts: RuleCounts;
  /** Items that failed (`rule "X"`, `macro "m"`, `list "l"`, or a file for file-level errors), in order. */
  readonly dropped: readonly string[];
  /** Names of rules that failed to load or compile: they do not run. */
  readonly droppedRules: readonly string[];
}

/**
 * Loads then compiles, the one path shared by the agent (start and reload)
 * and `vigil rules validate`, so validation passes exactly what the agent runs.
 */
export async function buildRules(paths: readonly string[], opts: BuildOptions = {}): Promise<BuiltRules> {
  const { files, errors } = await readRulePaths(paths);
  return buildRuleTexts(files, opts, errors);
}

/** buildRules on texts already read; `readErrors` are the files that could not be. */
export async function buildRuleTexts(files: readonly RuleText[], opts: BuildOptions = {}, readErrors: readonly Issue[] = []): Promise<BuiltRules> {
  const loadSteps = loadRuleTextSteps(files, {
    catalog: opts.catalog ?? sensorCatalog,
    ...(opts.engineVersion ? { engineVersion: opts.engineVersion } : {}),
  });
  const coop = opts.cooperative;
  const run = <T>(steps: Steps<T>): T | Promise<T> => (coop ? runStepsCooperatively(steps, coop) : runSteps(steps));
  const load = withReadErrors(await run(loadSteps), readErrors);
  const { ruleSet, issues, warnings } = await run(compileRuleSetSteps(load, opts.ruleMatching ? { ruleMatching: opts.ruleMatching } : undefined));
  const errors = [...load.errors, ...issues];
  const droppedRules = ruleSet.summary.filter((s) => s.state === 'dropped').map((s) => s.name);
  const gone = new Set(droppedRules);
  return {
    load,
    ruleSet,
    errors,
    warnings: [...load.warnings, ...warnings],
    counts: countRules(load.rules.filter((r) => !gone.has(r.name))),
    dropped: unique(errors.map((e) => e.item ?? e.file)),
    droppedRules,
  };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
