import { priorityText } from '../alert.js';
import type { VigilEvent } from '../event.js';
import { bindField, parseCidr, parseIp } from '../fields/index.js';
import type { Getter, IpValue } from '../fields/index.js';
import type { Expr } from '../ast.js';
import type { Issue, Location, Priority, ResolvedRule } from '../types.js';
import type { Pred } from './condition.js';
import { generatePred, planMemo } from './codegen.js';
import type { MemoPlan } from './codegen.js';
import { leafPred, lowerCondition } from './lower.js';
import type { Node } from './lower.js';
import { RulesIssueCode } from '../errors.js';
import { CompileError } from './errors.js';
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
  /** The validated, folded condition (the code generator's input; the rule set inlines it into its runners). */
  readonly node: Node;
  /** The condition folded to false at load (`x in ()` with an empty list): the index never visits the rule. */
  readonly never: boolean;
  /** evt.type values the rule can match; null = any. */
  readonly evtTypes: ReadonlySet<string> | null;
  readonly output: OutputTemplate;
  readonly throttle: { readonly periodMs: number; readonly key: (e: VigilEvent) => string } | undefined;
  readonly forMs: number | undefined;
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

const ipOf = (x: unknown): IpValue | undefined => (typeof x === 'string' ? parseIp(x) : undefined);

function eqConstraints(expr: Expr): EqConstraint[] {
  const parts: Expr[] = [];
  const flat = (e: Expr): void => {
    if (e.kind === 'and') {
      flat(e.left);
      flat(e.right);
    } else parts.push(e);
  };
  flat(expr);
  const out: EqConstraint[] = [];
  for (const c of parts) {
    if (c.kind !== 'compare' || c.left.kind !== 'field' || c.left.name === 'evt.type') continue;
    if (!(c.op === '=' || c.op === '==' || c.op === 'in' || c.op === 'intersects')) continue;
    const b = bindField(c.left.name, c.left.arg);
    // A constant field (evt.dir) has the same value in every event: useless as an index.
    if (typeof b === 'string' || b.any || b.constant) continue;
    const lits = c.right.kind === 'literal' ? [c.right] : c.right.kind === 'list' ? c.right.items : undefined;
    if (lits === undefined || lits.length === 0) continue;
    const key = c.left.arg === undefined ? c.left.name : `${c.left.name}[${c.left.arg}]`;
    if (b.type === 'ipaddr') {
      // `fd.sip in (a, b)` with plain addresses: index by the parsed address (::ffff:a.b.c.d is a.b.c.d).
      const nets = lits.map((l) => parseCidr(l.value));
      if (nets.some((n) => n === undefined || n.bits !== (n.v6 ? 128 : 32))) continue;
      const get = b.get;
      out.push({ key: `ip:${key}`, get: (e) => ipOf(get(e)) as string | number | undefined, values: nets.map((n) => n!.net as string | number) });
      continue;
    }
    if (b.type !== 'string' && b.type !== 'number') continue;
    const values = b.type === 'number' ? lits.map((l) => Number(l.value)) : lits.map((l) => l.value);
    if (values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    out.push({ key, get: b.get, values });
  }
  return out;
}

function issue(rule: ResolvedRule, code: string, message: string, at?: Location): Issue {
  const l = at ?? rule.location;
  return { code, message, file: l.file, line: l.line, col: l.col, item: `rule "${rule.name}"` };
}

function describeSpan(rule: ResolvedRule, err: CompileError): string {
  if (err.span === undefined) return err.message;
  const text = rule.conditionText;
  const snippet = text.slice(err.span.start, err.span.end);
  return snippet ? `${err.message} (at "${snippet.length > 60 ? `${snippet.slice(0, 57)}...` : snippet}")` : err.message;
}

function compileThrottleKey(names: readonly string[]): (e: VigilEvent) => string {
  const getters: Getter[] = names.map((n) => {
    const m = /^([^[\]]+)(?:\[(.*)\])?$/.exec(n);
    const b = m === null ? `bad throttle key ${n}` : bindField(m[1]!, m[2]);
    if (typeof b === 'string') throw new CompileError(RulesIssueCode.THROTTLE_KEY, `throttle key: ${b}`);
    return b.get;
  });
  if (getters.length === 0) return () => '';
  if (getters.length === 1) {
    const g = getters[0]!;
    return (e) => String(g(e) ?? '<NA>');
  }
  return (e) => getters.map((g) => String(g(e) ?? '<NA>')).join('\u0000');
}

export type RuleCompileResult = { readonly ok: true; readonly rule: CompiledRule; readonly warnings: Issue[] } | { readonly ok: false; readonly issue: Issue; readonly more: Issue[] };

/** A rule whose condition is validated and folded, waiting for its memo plan (shared by the whole rule set). */
export type PreparedRule =
  | { readonly ok: true; readonly rule: ResolvedRule; readonly node: Node; readonly finish: (plan: MemoPlan) => RuleCompileResult }
  | { readonly ok: false; readonly issue: Issue; readonly more: Issue[] };

function compileIssue(rule: ResolvedRule, err: CompileError): Issue {
  // Spans of the expanded condition point into the rule's own condition text (a macro's nodes at its reference).
  const at = err.span !== undefined && rule.locate !== undefined ? rule.locate(err.span.start) : undefined;
  return issue(rule, err.code, describeSpan(rule, err), at);
}

/** The first problem, and every other comparison of the condition that fails on its own (validate reports them all). */
function failure(rule: ResolvedRule, err: unknown): { ok: false; issue: Issue; more: Issue[] } {
  if (!(err instanceof CompileError)) return { ok: false, issue: issue(rule, RulesIssueCode.COMPILE, `cannot compile: ${(err as Error).message}`), more: [] };
  const first = compileIssue(rule, err);
  const more: Issue[] = [];
  const seen = new Set([`${first.line}:${first.col}:${first.message}`]);
  const stack: Expr[] = [rule.condition];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'and' || e.kind === 'or') stack.push(e.right, e.left);
    else if (e.kind === 'not') stack.push(e.expr);
    else if (e.kind === 'compare' || e.kind === 'exists' || e.kind === 'truthy') {
      try {
        leafPred(e);
      } catch (x) {
        if (!(x instanceof CompileError)) continue;
        const i = compileIssue(rule, x);
        const k = `${i.line}:${i.col}:${i.message}`;
        if (!seen.has(k)) {
          seen.add(k);
          more.push(i);
        }
      }
    }
  }
  return { ok: false, issue: first, more };
}

/** First pass: validate and fold the condition, compile output and throttle. Any error disables this rule only. */
export function prepareRule(rule: ResolvedRule): PreparedRule {
  try {
    const evtTypes = evtTypesOf(rule.condition);
    const node = lowerCondition(rule.condition, evtTypes !== null);
    const output = compileOutput(rule.output);
    const warnings = output.unknown.map((k) => issue(rule, RulesIssueCode.OUTPUT_FIELD, `output field %${k} is not provided by vigil; it prints <NA>`));
    const throttle = rule.throttle ? { periodMs: rule.throttle.periodMs, key: compileThrottleKey(rule.throttle.key) } : undefined;
    const eq = eqConstraints(rule.condition);
    const finish = (plan: MemoPlan): RuleCompileResult => {
      try {
        const compiled: CompiledRule = {
          name: rule.name,
          desc: rule.desc,
          priority: rule.priority,
          priorityText: priorityText(rule.priority),
          source: rule.source || 'syscall',
          tags: [...rule.tags],
          location: rule.location,
          test: generatePred(node, plan),
          node,
          never: node.k === 'const' && !node.v,
          evtTypes,
          output,
          // Always present (undefined when unused): one object shape for every rule keeps the engine's loop monomorphic.
          throttle,
          forMs: rule.forMs !== undefined && rule.forMs > 0 ? rule.forMs : undefined,
          state: { throttle: new Map(), pending: new Map() },
          eq,
        };
        return { ok: true, rule: compiled, warnings };
      } catch (err) {
        return failure(rule, err);
      }
    };
    return { ok: true, rule, node, finish };
  } catch (err) {
    return failure(rule, err);
  }
}

/** Compiles one resolved rule on its own (its own per-event memo); any error disables that rule only. */
export function compileRule(rule: ResolvedRule): RuleCompileResult {
  const p = prepareRule(rule);
  if (!p.ok) return p;
  return p.finish(planMemo([p.node]));
}
