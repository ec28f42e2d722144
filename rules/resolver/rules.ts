import type { Expr, Span } from '../ast.js';
import { evtTypesOf } from '../compiler/evt-types.js';
import { outputRefs } from '../compiler/output.js';
import { RulesIssueCode } from '../errors.js';
import type { IssueSink } from '../loader/issues.js';
import { itemLabel } from '../loader/issues.js';
import type { Collected, RuleDef } from '../loader/model.js';
import { joinedText, locateInPieces } from '../loader/source.js';
import { parseCondition, parseField } from '../parser/index.js';
import { printExpr } from '../print.js';
import { runSteps, type Steps } from '../slices.js';
import type { Location, ResolvedRule, RuleCatalog, RuleState } from '../types.js';
import { ConditionResolver, DEPRECATED_FIELDS, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, deprecatedFieldMessage, unknownFieldMessage, type Problem } from './conditions.js';
import { exceptionExpr } from './exceptions.js';
import { ListExpander } from './lists.js';

export interface ResolveOptions {
  readonly catalog: RuleCatalog;
  /**
   * A real catalog was given: Falco's own warnings (unused items, no evt.type
   * restriction, a value that looks like a field) are on. The loader alone
   * (tests, tools) keeps to errors and the warnings it always gave.
   */
  readonly strict: boolean;
  /** Sources this sensor evaluates; a rule for another source loads disabled. */
  readonly sources: ReadonlySet<string>;
}

/**
 * Turns the collected definitions into ResolvedRules: macros expanded, list
 * names inlined, exceptions and-ed in as `and not (...)`. Rules with errors
 * are left out (the errors say why); rules that cannot run here (fields the
 * sensor lacks, event types it never emits, unknown source) are included
 * disabled, with a warning and their state.
 */
export function resolveRules(c: Collected, sink: IssueSink, opts: ResolveOptions): ResolvedRule[] {
  return runSteps(resolveRuleSteps(c, sink, opts));
}

/** resolveRules, yielding after each rule (rules/slices.ts). */
export function* resolveRuleSteps(c: Collected, sink: IssueSink, opts: ResolveOptions): Steps<ResolvedRule[]> {
  const lists = new ListExpander(c.lists, new Set([...c.broken.keys()].flatMap((k) => (k.startsWith('list:') ? [k.slice(5)] : []))));
  lists.checkAll();
  const conds = new ConditionResolver(c.macros, lists, opts.catalog, sink, opts.strict);
  conds.checkAllMacros();
  const out: ResolvedRule[] = [];
  const reported = new Set<string>();
  for (const def of c.rules.values()) {
    const r = resolveRule(def, c, conds, lists, sink, opts, reported);
    if (r) out.push(r);
    yield;
  }
  if (!opts.strict) return out;
  for (const m of conds.unusedMacros()) sink.warn(RulesIssueCode.UNUSED_MACRO, `macro '${m.name}' is not referred to by any rule or macro`, m.loc, itemLabel('macro', m.name));
  for (const l of lists.unused()) sink.warn(RulesIssueCode.UNUSED_LIST, `list '${l.name}' is not referred to by any rule, macro or list`, l.loc, itemLabel('list', l.name));
  return out;
}

function resolveRule(def: RuleDef, c: Collected, conds: ConditionResolver, lists: ListExpander, sink: IssueSink, opts: ResolveOptions, reported: Set<string>): ResolvedRule | undefined {
  const label = itemLabel('rule', def.name);
  const text = joinedText(def.cond);
  const locate = (offset: number): Location => locateInPieces(def.cond, offset);
  const brokenSelf = c.broken.get(`rule:${def.name}`);
  if (brokenSelf) {
    sink.error(
      RulesIssueCode.DROPPED,
      `rule "${def.name}" dropped: the item at ${where(brokenSelf)} that redefines, tunes or toggles it failed to load, and the rule does not run without it`,
      def.loc,
      label,
    );
    return undefined;
  }
  const parsed = parseCondition(lists.protect(text));
  if (!parsed.expr) {
    for (const i of parsed.issues) sink.error(i.code, i.message, locate(i.offset), label);
    return undefined;
  }
  // Falco skips a rule of a source it has not loaded without compiling it.
  if (!opts.sources.has(def.source)) {
    if (def.enabled)
      sink.warn(RulesIssueCode.UNKNOWN_SOURCE, `rule "${def.name}" loaded disabled: source '${def.source}' is not evaluated by this sensor (known: ${[...opts.sources].join(', ')})`, def.loc, label);
    return rule(def, parsed.expr, text, def.enabled ? 'disabled_never_fires' : 'disabled_by_file', locate);
  }
  const a = conds.analyse(parsed.expr, def.cond, label);
  if (!a.ok) return undefined;
  if (a.size > MAX_EXPANDED_NODES || a.depth > MAX_EXPANDED_DEPTH) {
    sink.error(RulesIssueCode.TOO_COMPLEX, `condition expands to ${a.size} nodes, ${a.depth} deep (limits ${MAX_EXPANDED_NODES}, ${MAX_EXPANDED_DEPTH})`, locate(0), label);
    return undefined;
  }
  const missing = new Map(a.missing);
  const unknown: Problem[] = [...a.unknown];
  const notes: Problem[] = [...a.notes];
  const uses = new Set(a.uses);
  let condition = conds.expand(parsed.expr);
  const whole: Span = { start: 0, end: text.length };
  let failed = false;
  for (const ex of def.exceptions) {
    for (const f of ex.fields?.items ?? []) {
      const p = parseField(f.value);
      if (p.field) conds.classify(p.field, missing, `exception ${ex.name}`, unknown, notes, () => f.loc);
    }
    const e = exceptionExpr(ex, lists, whole, uses);
    if (e === undefined) continue;
    if (!('kind' in e)) {
      sink.error(e.code, e.message, e.loc, label);
      failed = true;
      continue;
    }
    conds.checkTree(e, unknown, notes, () => ex.loc);
    condition = { kind: 'and', left: condition, right: { kind: 'not', expr: e, span: whole }, span: whole };
  }
  if (failed) return undefined;

  checkOutput(def, opts.catalog, unknown, notes);

  let throttle: ResolvedRule['throttle'];
  if (def.throttle) {
    for (const k of def.throttle.key) {
      const f = parseField(k.value);
      if (!f.field) {
        sink.error(RulesIssueCode.BAD_VALUE, `throttle key '${k.value}' is not a field: ${f.issues[0]?.message ?? ''}`, k.loc, label);
        failed = true;
      } else {
        conds.classify(f.field, missing, 'throttle key', unknown, notes, () => k.loc);
      }
    }
    throttle = { periodMs: def.throttle.periodMs, key: def.throttle.key.map((k) => k.value) };
  }
  if (failed) return undefined;

  for (const n of notes) once(reported, n, () => sink.warn(n.code, n.message, n.loc, label));
  if (unknown.length > 0) {
    if (!def.skipIfUnknownFilter) {
      for (const u of unknown) sink.error(u.code, u.message, u.loc, label);
      return undefined;
    }
    // Falco: skip-if-unknown-filter turns the error into a warning and skips the rule.
    for (const u of unknown) sink.warn(u.code, `${u.message} (rule skipped: skip-if-unknown-filter)`, u.loc, label);
    return rule(def, condition, text, def.enabled ? 'disabled_missing_fields' : 'disabled_by_file', locate, throttle);
  }
  for (const u of uses) {
    const at = c.broken.get(u);
    if (!at) continue;
    const [kind, name] = u.split(/:(.*)/s) as [string, string];
    sink.error(RulesIssueCode.DROPPED, `rule "${def.name}" dropped: it uses ${kind} '${name}', and the item at ${where(at)} that defines or tunes it failed to load`, def.loc, label);
    return undefined;
  }

  let state: RuleState = def.enabled ? 'active' : 'disabled_by_file';
  const types = def.source === 'syscall' || def.source === 'metrics' ? evtTypesOf(condition) : null;
  if (opts.strict && def.source === 'syscall' && types === null && def.warnEvttypes && !neverTrue(condition)) {
    sink.warn(RulesIssueCode.NO_EVTTYPE, `rule "${def.name}" has no evt.type restriction: it is evaluated for every event`, def.loc, label);
  }
  if (state === 'active' && missing.size > 0) {
    const list = [...missing].map(([f, at]) => (at ? `${f} (${at})` : f)).join(', ');
    sink.warn(RulesIssueCode.MISSING_FIELD, `rule "${def.name}" loaded disabled: this sensor cannot provide field${missing.size > 1 ? 's' : ''} ${list}`, def.loc, label);
    state = 'disabled_missing_fields';
  }
  const emitted = opts.catalog.emittedEventTypes;
  if (state === 'active' && emitted && types !== null && ![...types].some((t) => emitted.has(t))) {
    const names = [...types].join(', ') || 'none (the evt.type conditions contradict each other)';
    sink.warn(RulesIssueCode.NEVER_FIRES, `rule "${def.name}" loaded disabled: it matches only event types this sensor never emits (${names}; vigil emits ${[...emitted].join(', ')})`, def.loc, label);
    state = 'disabled_never_fires';
  }
  const r = rule(def, condition, text, state, locate, throttle);
  return state === 'disabled_by_file' && missing.size === 0 ? { ...r, checkCompile: true } : r;
}

function rule(def: RuleDef, condition: Expr, text: string, state: RuleState, locate: (offset: number) => Location, throttle?: ResolvedRule['throttle']): ResolvedRule {
  return {
    name: def.name,
    desc: def.desc,
    condition,
    conditionText: text,
    expandedText: printExpr(condition),
    output: joinedText(def.output).trim(),
    priority: def.priority,
    tags: def.tags,
    enabled: state === 'active',
    state,
    source: def.source,
    location: def.loc,
    locate,
    ...(def.forMs !== undefined ? { forMs: def.forMs } : {}),
    ...(throttle ? { throttle } : {}),
    ...(def.capture !== undefined ? { capture: def.capture } : {}),
    ...(def.captureDurationMs !== undefined ? { captureDurationMs: def.captureDurationMs } : {}),
  };
}

/** `%field`s of the output: unknown ones are errors at their position; deprecated ones warnings. */
function checkOutput(def: RuleDef, catalog: RuleCatalog, unknown: Problem[], notes: Problem[]): void {
  const text = joinedText(def.output);
  for (const r of outputRefs(text, (n) => catalog.fieldKind(n) !== 'unknown')) {
    const loc = locateInPieces(def.output, r.start);
    if (DEPRECATED_FIELDS.has(r.name)) notes.push({ code: RulesIssueCode.DEPRECATED_FIELD, message: `${deprecatedFieldMessage(r.name)} (in the output)`, loc });
    if (catalog.fieldKind(r.name, r.arg) !== 'unknown') continue;
    unknown.push({ code: RulesIssueCode.UNKNOWN_OUTPUT_FIELD, message: `output: ${unknownFieldMessage(r.name, catalog.suggestField(r.name))}`, loc });
  }
}

/** A top-level `evt.num = 0` conjunct (Falco's never_true idiom): libsinsp finds no event type, so no warning. */
function neverTrue(e: Expr): boolean {
  if (e.kind === 'and') return neverTrue(e.left) || neverTrue(e.right);
  return e.kind === 'compare' && e.left.kind === 'field' && e.left.name === 'evt.num' && (e.op === '=' || e.op === '==') && e.right.kind === 'literal' && Number(e.right.value) === 0;
}

function where(l: Location): string {
  return `${l.file}:${l.line}:${l.col}`;
}

/** A warning found in a macro is given once, not once per rule using the macro. */
function once(seen: Set<string>, p: Problem, f: () => void): void {
  const k = `${p.code}\u0000${where(p.loc)}\u0000${p.message}`;
  if (seen.has(k)) return;
  seen.add(k);
  f();
}
