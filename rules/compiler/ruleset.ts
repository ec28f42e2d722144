import type { EventType } from '../event.js';
import type { Issue, LoadResult } from '../types.js';
import { compileRule } from './rule.js';
import type { CompiledRule } from './rule.js';

export type RuleMatching = 'first' | 'all';

export interface RuleSetSummary {
  readonly name: string;
  readonly source: string;
  readonly state: 'active' | 'disabled';
}

/** An immutable, compiled set of rules: the engine swaps it whole on reload. */
export interface RuleSet {
  /** Active rules in file order. */
  readonly rules: readonly CompiledRule[];
  /** Every rule with its state (disabled: `enabled: false`, a missing field, or a compile error). */
  readonly summary: readonly RuleSetSummary[];
  readonly ruleMatching: RuleMatching;
  readonly files: LoadResult['files'];
  /** The rules an event of this source and type can match, in file order. */
  candidates(source: string, type: string): readonly CompiledRule[];
}

const VIGIL_TYPES: readonly EventType[] = ['execve', 'procexit', 'connect', 'accept', 'listen', 'dup', 'container', 'metric'];
const EMPTY: readonly CompiledRule[] = [];

interface SourceIndex {
  readonly byType: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly any: readonly CompiledRule[];
}

function buildIndex(rules: readonly CompiledRule[]): ReadonlyMap<string, SourceIndex> {
  const sources = new Map<string, CompiledRule[]>();
  for (const r of rules) {
    let l = sources.get(r.source);
    if (l === undefined) sources.set(r.source, (l = []));
    l.push(r);
  }
  const out = new Map<string, SourceIndex>();
  for (const [src, list] of sources) {
    const types = new Set<string>(VIGIL_TYPES);
    for (const r of list) if (r.evtTypes !== null) for (const t of r.evtTypes) types.add(t);
    const byType = new Map<string, readonly CompiledRule[]>();
    for (const t of types) byType.set(t, list.filter((r) => r.evtTypes === null || r.evtTypes.has(t)));
    out.set(src, { byType, any: list.filter((r) => r.evtTypes === null) });
  }
  return out;
}

export function compileRuleSet(load: LoadResult, opts?: { ruleMatching?: RuleMatching }): { ruleSet: RuleSet; issues: Issue[]; warnings: Issue[] } {
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const rules: CompiledRule[] = [];
  const summary: RuleSetSummary[] = [];
  for (const r of load.rules) {
    const source = r.source || 'syscall';
    if (!r.enabled) { summary.push({ name: r.name, source, state: 'disabled' }); continue; }
    const res = compileRule(r);
    if (res.ok) {
      rules.push(res.rule);
      warnings.push(...res.warnings);
      summary.push({ name: r.name, source, state: 'active' });
    } else {
      issues.push(res.issue);
      summary.push({ name: r.name, source, state: 'disabled' });
    }
  }
  const index = buildIndex(rules);
  const ruleSet: RuleSet = {
    rules,
    summary,
    ruleMatching: opts?.ruleMatching ?? 'first',
    files: load.files,
    candidates(source, type) {
      const s = index.get(source);
      if (s === undefined) return EMPTY;
      return s.byType.get(type) ?? s.any;
    },
  };
  return { ruleSet, issues, warnings };
}

export function emptyRuleSet(ruleMatching: RuleMatching = 'first'): RuleSet {
  return compileRuleSet({ rules: [], errors: [], warnings: [], files: [] }, { ruleMatching }).ruleSet;
}
