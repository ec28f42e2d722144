import { priorityText } from '../alert.js';
import type { VigilEvent } from '../event.js';
import { bindField } from '../fields/index.js';
import type { Getter } from '../fields/index.js';
import type { Expr } from '../ast.js';
import type { Issue, Location, Priority, ResolvedRule } from '../types.js';
import { compileCondition } from './condition.js';
import type { Pred } from './condition.js';
import { CODES, CompileError } from './errors.js';
import { evtTypesOf } from './evt-types.js';
import { compileOutput } from './output.js';
import type { OutputTemplate } from './output.js';

/** Mutable per-rule state; it lives with the compiled rule set and is dropped on reload. */
export interface RuleState {
  /** throttle key -> window end (ms) and alerts suppressed in it. */
  readonly throttle: Map<string, { until: number; suppressed: number }>;
  /** for: key -> since when (event ms) the condition has held, and whether it already fired. */
  readonly pending: Map<string, { since: number; fired: boolean }>;
}

export interface CompiledRule {
  readonly name: string;
  readonly desc: string;
  readonly priority: Priority;
  /** Falco's capitalization, as in alerts. */
  readonly priorityText: string;
  readonly source: string;
  readonly tags: string[];
  readonly location: Location;
  readonly test: Pred;
  /** evt.type values the rule can match; null = any. */
  readonly evtTypes: ReadonlySet<string> | null;
  readonly output: OutputTemplate;
  readonly throttle?: { readonly periodMs: number; readonly key: (e: VigilEvent) => string };
  readonly forMs?: number;
  readonly state: RuleState;
  /**
   * Top-level `field = v` / `field in (...)` conjuncts on single-valued string
   * or number fields: the rule set indexes rules by one such field.
   */
  readonly eq: readonly EqConstraint[];
}

export interface EqConstraint {
  /** `proc.name`, `k8s.pod.label[app]`. */
  readonly key: string;
  readonly get: Getter;
  readonly values: readonly (string | number)[];
}

function eqConstraints(expr: Expr): EqConstraint[] {
  const parts: Expr[] = [];
  const flat = (e: Expr): void => { if (e.kind === 'and') { flat(e.left); flat(e.right); } else parts.push(e); };
  flat(expr);
  const out: EqConstraint[] = [];
  for (const c of parts) {
    if (c.kind !== 'compare' || c.left.kind !== 'field' || c.left.name === 'evt.type') continue;
    if (!(c.op === '=' || c.op === '==' || c.op === 'in' || c.op === 'intersects')) continue;
    const b = bindField(c.left.name, c.left.arg);
    if (typeof b === 'string' || b.any || (b.type !== 'string' && b.type !== 'number')) continue;
    const lits = c.right.kind === 'literal' ? [c.right] : c.right.kind === 'list' ? c.right.items : undefined;
    if (lits === undefined || lits.length === 0) continue;
    const values = b.type === 'number' ? lits.map((l) => Number(l.value)) : lits.map((l) => l.value);
    if (values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    out.push({ key: c.left.arg === undefined ? c.left.name : `${c.left.name}[${c.left.arg}]`, get: b.get, values });
  }
  return out;
}

function issue(rule: ResolvedRule, code: string, message: string): Issue {
  return { code, message, file: rule.location.file, line: rule.location.line, col: rule.location.col, item: `rule "${rule.name}"` };
}

function describeSpan(rule: ResolvedRule, err: CompileError): string {
  if (err.span === undefined) return err.message;
  const text = rule.expandedText || rule.conditionText;
  const snippet = text.slice(err.span.start, err.span.end);
  return snippet ? `${err.message} (at "${snippet.length > 60 ? snippet.slice(0, 57) + '...' : snippet}")` : err.message;
}

function compileThrottleKey(rule: ResolvedRule, names: readonly string[]): (e: VigilEvent) => string {
  const getters: Getter[] = names.map((n) => {
    const m = /^([^[\]]+)(?:\[(.*)\])?$/.exec(n);
    const b = m === null ? `bad throttle key ${n}` : bindField(m[1]!, m[2]);
    if (typeof b === 'string') throw new CompileError(CODES.throttleKey, `throttle key: ${b}`);
    return b.get;
  });
  if (getters.length === 0) return () => '';
  if (getters.length === 1) { const g = getters[0]!; return (e) => String(g(e) ?? '<NA>'); }
  return (e) => getters.map((g) => String(g(e) ?? '<NA>')).join('\u0000');
}

export type RuleCompileResult =
  | { readonly ok: true; readonly rule: CompiledRule; readonly warnings: Issue[] }
  | { readonly ok: false; readonly issue: Issue };

/** Compiles one resolved rule; any error disables that rule only. */
export function compileRule(rule: ResolvedRule): RuleCompileResult {
  try {
    const evtTypes = evtTypesOf(rule.condition);
    const test = compileCondition(rule.condition, evtTypes !== null);
    const output = compileOutput(rule.output);
    const warnings = output.unknown.map((k) => issue(rule, CODES.outputField, `output field %${k} is not provided by vigil; it prints <NA>`));
    const compiled: CompiledRule = {
      name: rule.name,
      desc: rule.desc,
      priority: rule.priority,
      priorityText: priorityText(rule.priority),
      source: rule.source || 'syscall',
      tags: [...rule.tags],
      location: rule.location,
      test,
      evtTypes,
      output,
      ...(rule.throttle ? { throttle: { periodMs: rule.throttle.periodMs, key: compileThrottleKey(rule, rule.throttle.key) } } : {}),
      ...(rule.forMs !== undefined && rule.forMs > 0 ? { forMs: rule.forMs } : {}),
      state: { throttle: new Map(), pending: new Map() },
      eq: eqConstraints(rule.condition),
    };
    return { ok: true, rule: compiled, warnings };
  } catch (err) {
    if (err instanceof CompileError) return { ok: false, issue: issue(rule, err.code, describeSpan(rule, err)) };
    return { ok: false, issue: issue(rule, 'VIGIL_RULES_COMPILE', `cannot compile: ${(err as Error).message}`) };
  }
}
