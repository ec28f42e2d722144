import type { VigilEvent } from '../event.js';
import { buildIndex, generateCandidates, generateRun } from './dispatch.js';
import type { RunFn } from './dispatch.js';
import type { Issue, LoadResult, RuleState } from '../types.js';
import type { EvalCache } from './codegen.js';
import { planMemo } from './codegen.js';
import { prepareRule } from './rule.js';
import { runSteps, type Steps } from '../slices.js';
import type { CompiledRule } from './rule.js';

export type RuleMatching = 'first' | 'all';

/** A loaded rule's state, or `dropped`: its condition or output did not compile (the run keeps the others only under --rules-on-error skip). */
export type RuleSetState = RuleState | 'dropped';

export interface RuleSetSummary {
  readonly name: string;
  readonly source: string;
  readonly state: RuleSetState;
}

/** An immutable, compiled set of rules: the engine swaps it whole on reload. */
export interface RuleSet {
  /** Active rules in file order. */
  readonly rules: readonly CompiledRule[];
  /** Every loaded rule with its state (dropped: a compile error). */
  readonly summary: readonly RuleSetSummary[];
  readonly ruleMatching: RuleMatching;
  readonly files: LoadResult['files'];
  /** The per-event memo shared by the rules; the engine clears `ev` before each event. */
  readonly evalCache: EvalCache;
  /** The rules an event of this source and type can match, in file order. */
  candidates(source: string, type: string): readonly CompiledRule[];
  /** The rules this event can match, in file order: candidates() narrowed by the equality index. */
  candidatesFor(e: VigilEvent): readonly CompiledRule[];
  /**
   * The engine's hot path: counts the event by type, then evaluates
   * candidatesFor(e) in order through generated code, calling hit/miss;
   * returns the number of conditions evaluated.
   */
  readonly run: RunFn;
}

const EMPTY: readonly CompiledRule[] = [];

export interface CompiledRuleSet {
  readonly ruleSet: RuleSet;
  readonly issues: Issue[];
  readonly warnings: Issue[];
}

export function compileRuleSet(load: LoadResult, opts?: { ruleMatching?: RuleMatching }): CompiledRuleSet {
  return runSteps(compileRuleSetSteps(load, opts));
}

/** compileRuleSet, yielding after each rule's preparation and completion (rules/slices.ts). */
export function* compileRuleSetSteps(load: LoadResult, opts?: { ruleMatching?: RuleMatching }): Steps<CompiledRuleSet> {
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const rules: CompiledRule[] = [];
  const summary: RuleSetSummary[] = [];
  // Two passes: every condition is validated and folded first, so the memo
  // plan sees all of them and shares sub-conditions across rules.
  const prepared: (ReturnType<typeof prepareRule> | undefined)[] = [];
  for (const r of load.rules) {
    prepared.push(r.enabled ? prepareRule(r) : undefined);
    yield;
  }
  const plan = planMemo(prepared.flatMap((p) => (p?.ok ? [p.node] : [])));
  for (const [i, r] of load.rules.entries()) {
    yield;
    const source = r.source || 'syscall';
    const p = prepared[i];
    if (p === undefined) {
      const check = r.checkCompile ? prepareRule(r) : undefined;
      if (check && !check.ok) issues.push(check.issue, ...check.more);
      summary.push({ name: r.name, source, state: check && !check.ok ? 'dropped' : (r.state ?? 'disabled_by_file') });
      continue;
    }
    const res = p.ok ? p.finish(plan) : p;
    if (res.ok) {
      rules.push(res.rule);
      warnings.push(...res.warnings);
      summary.push({ name: r.name, source, state: 'active' });
    } else {
      issues.push(res.issue, ...res.more);
      summary.push({ name: r.name, source, state: 'dropped' });
    }
  }
  // Rules the loader refused (errors, or a failed tuning item) run nowhere: count them as dropped too.
  for (const r of load.refused ?? []) summary.push({ name: r.name, source: r.source, state: 'dropped' });
  // A rule folded to false (an empty allowlist it must match) is active but never visited.
  const index = buildIndex(rules.filter((r) => !r.never));
  const candidatesFor = generateCandidates(index);
  const run = generateRun(index, plan);
  const ruleSet: RuleSet = {
    rules,
    summary,
    ruleMatching: opts?.ruleMatching ?? 'first',
    files: load.files,
    evalCache: plan.cache,
    candidates(source, type) {
      const s = index.get(source);
      if (s === undefined) return EMPTY;
      return (s.byType.get(type) ?? s.any).all;
    },
    candidatesFor,
    run,
  };
  return { ruleSet, issues, warnings };
}

export function emptyRuleSet(ruleMatching: RuleMatching = 'first'): RuleSet {
  return compileRuleSet({ rules: [], errors: [], warnings: [], files: [] }, { ruleMatching }).ruleSet;
}
