import type { EventType, VigilEvent } from '../event.js';
import type { Getter } from '../fields/index.js';
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
  /** The rules this event can match, in file order: candidates() narrowed by the equality index. */
  candidatesFor(e: VigilEvent): readonly CompiledRule[];
}

const VIGIL_TYPES: readonly EventType[] = ['execve', 'procexit', 'connect', 'accept', 'listen', 'dup', 'container', 'metric'];
const EMPTY: readonly CompiledRule[] = [];

/**
 * A bucket narrowed by one field: rules constraining it to values (`proc.name
 * in (...)`) are only visited when the event has one of those values. Each
 * value's list is precomputed with the unconstrained rules merged in, so
 * file order (first-match) holds.
 */
interface Bucket {
  readonly all: readonly CompiledRule[];
  readonly get?: Getter;
  readonly byValue?: ReadonlyMap<string | number, readonly CompiledRule[]>;
  readonly rest?: readonly CompiledRule[];
}

interface SourceIndex {
  readonly byType: ReadonlyMap<string, Bucket>;
  readonly any: Bucket;
}

// Below this many rules a bucket is scanned as is; above this many list
// entries the per-value lists are not worth their memory.
const MIN_INDEXED = 4;
const MAX_ENTRIES = 200_000;

function bucket(rules: readonly CompiledRule[]): Bucket {
  if (rules.length < MIN_INDEXED) return { all: rules };
  const score = new Map<string, number>();
  for (const r of rules) for (const k of new Set(r.eq.map((c) => c.key))) score.set(k, (score.get(k) ?? 0) + 1);
  let best: string | undefined;
  let bestN = 1;
  for (const [k, n] of score) if (n > bestN) { best = k; bestN = n; }
  if (best === undefined) return { all: rules };
  let get: Getter | undefined;
  const constrained = new Map<CompiledRule, Set<string | number>>();
  for (const r of rules) {
    const cs = r.eq.filter((c) => c.key === best);
    if (cs.length === 0) continue;
    get ??= cs[0]!.get;
    // Several conjuncts on the same field: the value must satisfy all of them.
    let vals = new Set(cs[0]!.values);
    for (const c of cs.slice(1)) vals = new Set(c.values.filter((v) => vals.has(v)));
    constrained.set(r, vals);
  }
  const rest = rules.filter((r) => !constrained.has(r));
  const values = new Set<string | number>();
  for (const vs of constrained.values()) for (const v of vs) values.add(v);
  if (values.size * rest.length + constrained.size > MAX_ENTRIES) return { all: rules };
  const byValue = new Map<string | number, readonly CompiledRule[]>();
  for (const v of values) byValue.set(v, rules.filter((r) => { const vs = constrained.get(r); return vs === undefined || vs.has(v); }));
  return { all: rules, get: get!, byValue, rest };
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
    const byType = new Map<string, Bucket>();
    for (const t of types) byType.set(t, bucket(list.filter((r) => r.evtTypes === null || r.evtTypes.has(t))));
    out.set(src, { byType, any: bucket(list.filter((r) => r.evtTypes === null)) });
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
      return (s.byType.get(type) ?? s.any).all;
    },
    candidatesFor(e) {
      const s = index.get(e.source);
      if (s === undefined) return EMPTY;
      const b = s.byType.get(e.type) ?? s.any;
      if (b.get === undefined) return b.all;
      const v = b.get(e);
      if (v === undefined) return b.rest!;
      return b.byValue!.get(v as string | number) ?? b.rest!;
    },
  };
  return { ruleSet, issues, warnings };
}

export function emptyRuleSet(ruleMatching: RuleMatching = 'first'): RuleSet {
  return compileRuleSet({ rules: [], errors: [], warnings: [], files: [] }, { ruleMatching }).ruleSet;
}
