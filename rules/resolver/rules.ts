import type { Expr, Span } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import type { IssueSink } from '../loader/issues.js';
import { itemLabel } from '../loader/issues.js';
import type { Collected, RuleDef } from '../loader/model.js';
import { joinedText, locateInPieces } from '../loader/source.js';
import { parseCondition, parseField } from '../parser/index.js';
import { printExpr } from '../print.js';
import type { ResolvedRule } from '../types.js';
import { ConditionResolver, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, type FieldPredicate } from './conditions.js';
import { exceptionExpr } from './exceptions.js';
import { ListExpander } from './lists.js';

export interface ResolveOptions {
  readonly fieldExists: FieldPredicate;
  /** Sources this sensor evaluates; a rule for another source loads disabled. */
  readonly sources: ReadonlySet<string>;
}

/**
 * Turns the collected definitions into ResolvedRules: macros expanded, list
 * names inlined, exceptions and-ed in as `and not (...)`. Rules with errors
 * are left out (the errors say why); rules that cannot run here (fields the
 * sensor lacks, unknown source) are included with enabled=false and a warning.
 */
export function resolveRules(c: Collected, sink: IssueSink, opts: ResolveOptions): ResolvedRule[] {
  const lists = new ListExpander(c.lists, sink);
  lists.checkAll();
  const conds = new ConditionResolver(c.macros, lists, opts.fieldExists, sink);
  conds.checkAllMacros();
  const out: ResolvedRule[] = [];
  for (const def of c.rules.values()) {
    const r = resolveRule(def, conds, lists, sink, opts);
    if (r) out.push(r);
  }
  return out;
}

function resolveRule(def: RuleDef, conds: ConditionResolver, lists: ListExpander, sink: IssueSink, opts: ResolveOptions): ResolvedRule | undefined {
  const label = itemLabel('rule', def.name);
  const text = joinedText(def.cond);
  const parsed = parseCondition(text);
  if (!parsed.expr) {
    for (const i of parsed.issues) sink.error(i.code, i.message, locateInPieces(def.cond, i.offset), label);
    return undefined;
  }
  const a = conds.analyse(parsed.expr, def.cond, label);
  if (!a.ok) return undefined;
  if (a.size > MAX_EXPANDED_NODES || a.depth > MAX_EXPANDED_DEPTH) {
    sink.error(RulesIssueCode.TOO_COMPLEX, `condition expands to ${a.size} nodes, ${a.depth} deep (limits ${MAX_EXPANDED_NODES}, ${MAX_EXPANDED_DEPTH})`, locateInPieces(def.cond, 0), label);
    return undefined;
  }
  const missing = new Map(a.missing);
  let condition = conds.expand(parsed.expr);
  const whole: Span = { start: 0, end: text.length };
  let failed = false;
  for (const ex of def.exceptions) {
    const e = exceptionExpr(ex, lists, whole);
    if (e === undefined) continue;
    if (!('kind' in e)) {
      sink.error(e.code, e.message, e.loc, label);
      failed = true;
      continue;
    }
    collectFields(e, conds, missing, `exception ${ex.name}`);
    condition = { kind: 'and', left: condition, right: { kind: 'not', expr: e, span: whole }, span: whole };
  }
  if (failed) return undefined;

  let throttle: ResolvedRule['throttle'];
  if (def.throttle) {
    for (const k of def.throttle.key) {
      const f = parseField(k.value);
      if (!f.field) {
        sink.error(RulesIssueCode.BAD_VALUE, `throttle key '${k.value}' is not a field: ${f.issues[0]?.message ?? ''}`, k.loc, label);
        failed = true;
      } else {
        conds.fields(f.field, missing, 'throttle key');
      }
    }
    throttle = { periodMs: def.throttle.periodMs, key: def.throttle.key.map((k) => k.value) };
  }
  if (failed) return undefined;

  let enabled = def.enabled;
  if (enabled && !opts.sources.has(def.source)) {
    sink.warn(RulesIssueCode.UNKNOWN_SOURCE, `rule "${def.name}" loaded disabled: source '${def.source}' is not evaluated by this sensor (known: ${[...opts.sources].join(', ')})`, def.loc, label);
    enabled = false;
  }
  if (enabled && missing.size > 0) {
    const list = [...missing].map(([f, where]) => (where ? `${f} (${where})` : f)).join(', ');
    sink.warn(RulesIssueCode.MISSING_FIELD, `rule "${def.name}" loaded disabled: this sensor cannot provide field${missing.size > 1 ? 's' : ''} ${list}`, def.loc, label);
    enabled = false;
  }
  const rule: ResolvedRule = {
    name: def.name,
    desc: def.desc,
    condition,
    conditionText: text,
    expandedText: printExpr(condition),
    output: def.output,
    priority: def.priority,
    tags: def.tags,
    enabled,
    source: def.source,
    location: def.loc,
    ...(def.forMs !== undefined ? { forMs: def.forMs } : {}),
    ...(throttle ? { throttle } : {}),
  };
  return rule;
}

function collectFields(e: Expr, conds: ConditionResolver, missing: Map<string, string>, where: string): void {
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop()!;
    switch (n.kind) {
      case 'and':
      case 'or':
        stack.push(n.left, n.right);
        break;
      case 'not':
        stack.push(n.expr);
        break;
      case 'compare':
        conds.fields(n.left, missing, where);
        if (n.right.kind === 'fieldvalue') conds.fields(n.right.field, missing, where);
        break;
      case 'exists':
      case 'truthy':
        conds.fields(n.field, missing, where);
        break;
      case 'ref':
        break;
    }
  }
}
