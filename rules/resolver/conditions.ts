import type { Expr, FieldExpr, FieldRef, Literal, Operand, Span } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import type { IssueSink } from '../loader/issues.js';
import { itemLabel } from '../loader/issues.js';
import type { Collection, MacroDef } from '../loader/model.js';
import { joinedText, locateInPieces, type PieceText } from '../loader/source.js';
import { parseCondition } from '../parser/index.js';
import type { Location, RuleCatalog } from '../types.js';
import type { ListExpander } from './lists.js';

/** Expanded trees larger or deeper than this are refused (a macro fan-out can grow exponentially). */
export const MAX_EXPANDED_NODES = 200_000;
export const MAX_EXPANDED_DEPTH = 1_000;

export type FieldPredicate = (name: string, arg?: string) => boolean;

/** A problem found inside a condition, reported for each rule that uses it. */
export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly loc: Location;
}

/** Facts about a condition after analysis, before it is expanded. */
export interface Analysis {
  readonly ok: boolean;
  readonly size: number;
  readonly depth: number;
  /** Missing field → where it is used (`macro x`, or '' for the item itself). */
  readonly missing: ReadonlyMap<string, string>;
  /**
   * Unknown fields and evt.type values: errors for the rule that uses them
   * (Falco compiles macros only inside rules), warnings under skip-if-unknown-filter.
   */
  readonly unknown: readonly Problem[];
  /** Warnings about the condition (deprecated fields, a value that looks like a field...). */
  readonly notes: readonly Problem[];
  /** `list:NAME` and `macro:NAME` of everything the condition depends on. */
  readonly uses: ReadonlySet<string>;
}

/** Falco's deprecated_fields (falco_load_result.cpp). */
export const DEPRECATED_FIELDS: ReadonlySet<string> = new Set(['evt.dir', 'evt.latency', 'evt.latency.s', 'evt.latency.ns', 'evt.latency.human']);
const TRANSFORMER_VALUE = /^(?:tolower|toupper|b64|basename|len|val)\(.+\)$/;
const FIELD_LIKE = /^[a-z][a-z0-9_]*\.[a-z0-9_.]+(?:\[[^\]]*\])?$/;
const EQUALITY_OPS: ReadonlySet<string> = new Set(['=', '==', '!=', 'in', 'intersects', 'pmatch']);

interface MacroState {
  readonly def: MacroDef;
  readonly expr?: Expr;
  status: 'new' | 'visiting' | 'done';
  analysis?: Analysis;
}

/**
 * Parses conditions, checks macro references (undefined, cycles), list
 * references and fields, and expands macros inline. Macros are analysed
 * once each; a rule's tree is then built by copying macro bodies in, with
 * every inlined node taking the span of the reference, so all spans of a
 * rule's tree point into the rule's own condition text.
 */
export class ConditionResolver {
  private readonly macros = new Map<string, MacroState>();
  private readonly used = new Set<string>();

  /** `strict`: a real catalog was given, so value-looks-like-a-field warnings mean something. */
  constructor(
    macroDefs: Collection<MacroDef>,
    private readonly lists: ListExpander,
    private readonly catalog: RuleCatalog,
    private readonly sink: IssueSink,
    private readonly strict: boolean,
  ) {
    for (const def of macroDefs.values()) {
      const text = joinedText(def.cond);
      const parsed = parseCondition(lists.protect(text));
      for (const i of parsed.issues) {
        sink.error(i.code, i.message, locateInPieces(def.cond, i.offset), itemLabel('macro', def.name));
      }
      this.macros.set(def.name, parsed.expr ? { def, expr: parsed.expr, status: 'new' } : { def, status: 'done', analysis: BROKEN });
    }
  }

  /** Analyses every macro so that problems in unused macros are reported too (as Falco does). */
  checkAllMacros(): void {
    for (const name of this.macros.keys()) this.macro(name, undefined, Infinity);
  }

  /** Macros no rule and no other macro used (Falco's LOAD_UNUSED_MACRO). */
  unusedMacros(): MacroDef[] {
    return [...this.macros.values()].filter((m) => !this.used.has(m.def.name)).map((m) => m.def);
  }

  /**
   * Analyses a parsed condition of an item (a rule, or an exception-less
   * check): reports undefined macros and cycles at the reference. A macro
   * reference sees only macros first defined before `visibility` (Falco's
   * ordering; a rule sees every macro).
   */
  analyse(expr: Expr, cond: PieceText, item: string, visibility = Infinity): Analysis {
    const missing = new Map<string, string>();
    const unknown: Problem[] = [];
    const notes: Problem[] = [];
    const uses = new Set<string>();
    const at = (span: Span): Location => locateInPieces(cond, span.start);
    let ok = true;
    let size = 0;
    let maxDepth = 0;
    // Iterative walk with explicit depth: parser output is bounded, but this
    // keeps the analysis safe for any tree handed in.
    const stack: [Expr, number][] = [[expr, 1]];
    while (stack.length > 0) {
      const [e, d] = stack.pop()!;
      size++;
      if (d > maxDepth) maxDepth = d;
      switch (e.kind) {
        case 'and':
        case 'or':
          stack.push([e.left, d + 1], [e.right, d + 1]);
          break;
        case 'not':
          stack.push([e.expr, d + 1]);
          break;
        case 'compare':
          this.classify(e.left, missing, '', unknown, notes, at);
          size += this.operand(e.right, missing, cond, item, unknown, notes, at, uses);
          this.checkValues(e, unknown, notes, at);
          break;
        case 'exists':
        case 'truthy':
          this.classify(e.field, missing, '', unknown, notes, at);
          break;
        case 'ref': {
          const m = this.macro(e.name, { cond, span: e.span, item }, visibility);
          if (!m.ok) {
            ok = false;
            break;
          }
          size += m.size - 1;
          if (d - 1 + m.depth > maxDepth) maxDepth = d - 1 + m.depth;
          for (const [f, where] of m.missing) if (!missing.has(f)) missing.set(f, where || `macro ${e.name}`);
          unknown.push(...m.unknown);
          notes.push(...m.notes);
          uses.add(`macro:${e.name}`);
          for (const u of m.uses) uses.add(u);
          break;
        }
      }
    }
    return { ok, size, depth: maxDepth, missing, unknown, notes, uses };
  }

  /** Copies `expr` with macros inlined and list names expanded. Call only after a successful analysis within limits. */
  expand(expr: Expr, span?: Span): Expr {
    const sp = span ?? expr.span;
    switch (expr.kind) {
      case 'and':
      case 'or':
        return { kind: expr.kind, left: this.expand(expr.left, span), right: this.expand(expr.right, span), span: sp };
      case 'not':
        return { kind: 'not', expr: this.expand(expr.expr, span), span: sp };
      case 'compare':
        return { kind: 'compare', op: expr.op, left: respanField(expr.left, span), right: this.expandOperand(expr.right, span), span: sp };
      case 'exists':
        return { kind: 'exists', field: respanField(expr.field, span), span: sp };
      case 'truthy':
        return { kind: 'truthy', field: respanField(expr.field, span), span: sp };
      case 'ref': {
        const st = this.macros.get(expr.name);
        if (!st?.expr) throw new Error(`internal: expand of unresolved macro ${expr.name}`);
        return this.expand(st.expr, sp);
      }
    }
  }

  expandOperand(o: Operand, span?: Span): Operand {
    const sp = span ?? o.span;
    switch (o.kind) {
      case 'literal':
        return { ...o, span: sp };
      case 'fieldvalue':
        return { kind: 'fieldvalue', field: respanField(o.field, span), span: sp };
      case 'list':
        return { kind: 'list', items: this.lists.expandItems(o.items).map((l) => ({ ...l, span: span ?? (l.span.end > 0 ? l.span : sp) })), span: sp };
    }
  }

  /**
   * Sorts a field reference: provided (nothing to do), a Falco field vigil
   * lacks (recorded in `missing`: the rule loads disabled) or neither (an
   * unknown-field problem at its position, with a suggestion).
   */
  classify(f: FieldExpr, missing: Map<string, string>, where: string, unknown: Problem[], notes: Problem[], at: (s: Span) => Location): void {
    let ref: FieldExpr = f;
    while (ref.kind === 'transform') ref = ref.arg;
    const r = ref as FieldRef;
    const kind = this.catalog.fieldKind(r.name, r.arg);
    if (DEPRECATED_FIELDS.has(r.name)) {
      notes.push({ code: RulesIssueCode.DEPRECATED_FIELD, message: deprecatedFieldMessage(r.name), loc: at(r.span) });
    }
    if (kind === 'provided') return;
    const key = r.arg === undefined ? r.name : `${r.name}[${r.arg}]`;
    if (kind === 'falco') {
      if (!missing.has(key)) missing.set(key, where);
      return;
    }
    unknown.push({ code: RulesIssueCode.UNKNOWN_FIELD, message: unknownFieldMessage(r.name, this.catalog.suggestField(r.name)), loc: at(r.span) });
  }

  /** The value checks of every comparison in an already expanded tree (an exception's), all reported at `at`. */
  checkTree(e: Expr, unknown: Problem[], notes: Problem[], at: (s: Span) => Location): void {
    if (e.kind === 'and' || e.kind === 'or') {
      this.checkTree(e.left, unknown, notes, at);
      this.checkTree(e.right, unknown, notes, at);
    } else if (e.kind === 'not') this.checkTree(e.expr, unknown, notes, at);
    else if (e.kind === 'compare') this.checkValues(e, unknown, notes, at);
  }

  /** evt.type values libsinsp does not know; values that look like a field or a transformer; `<NA>` on ka.* fields. */
  private checkValues(e: Extract<Expr, { kind: 'compare' }>, unknown: Problem[], notes: Problem[], at: (s: Span) => Location): void {
    const lits: readonly Literal[] = e.right.kind === 'literal' ? [e.right] : e.right.kind === 'list' ? this.lists.expandItems(e.right.items) : [];
    const opSpan = e.right.span;
    const where = (l: Literal): Location => at(l.span.end > 0 ? l.span : opSpan);
    const left = e.left;
    if (left.kind === 'field' && left.name === 'evt.type' && left.arg === undefined) {
      for (const l of lits) {
        if (this.catalog.eventTypeKnown(l.value)) continue;
        const hint = this.catalog.suggestEventType(l.value);
        unknown.push({ code: RulesIssueCode.UNKNOWN_EVENT_TYPE, message: `unknown event type '${l.value}'${hint ? `; did you mean '${hint}'?` : ''}`, loc: where(l) });
      }
    }
    const leftName = left.kind === 'field' ? left.name : '';
    if ((leftName.startsWith('ka.') || leftName.startsWith('jevt.')) && EQUALITY_OPS.has(e.op) && lits.some((l) => l.value === '<NA>')) {
      notes.push({ code: RulesIssueCode.UNSAFE_NA, message: `comparing ${leftName} with <NA> is unsafe; use 'exists' to check whether the field is present`, loc: at(e.span) });
    }
    if (!this.strict) return;
    for (const l of lits) {
      const v = l.value.replace(/\s+/g, '');
      if (FIELD_LIKE.test(v) && this.catalog.fieldKind(v.replace(/\[.*$/, '')) !== 'unknown') {
        notes.push({ code: RulesIssueCode.FIELD_AS_VALUE, message: `'${l.value}' may be a valid field misused as a const string value (use val(${v}) to compare with the field)`, loc: where(l) });
      } else if (TRANSFORMER_VALUE.test(v)) {
        notes.push({ code: RulesIssueCode.FIELD_AS_VALUE, message: `'${l.value}' may be a valid field transformer misused as a const string value`, loc: where(l) });
      }
    }
  }

  private operand(o: Operand, missing: Map<string, string>, cond: PieceText, item: string, unknown: Problem[], notes: Problem[], at: (s: Span) => Location, uses: Set<string>): number {
    if (o.kind === 'fieldvalue') {
      this.classify(o.field, missing, '', unknown, notes, at);
      return 1;
    }
    if (o.kind === 'literal') return 1;
    const first = o.items[0];
    // `in name` without parentheses: the list span is the item's span.
    if (o.items.length === 1 && first && !first.quoted && first.span.start === o.span.start && !this.lists.has(first.value)) {
      this.sink.warn(RulesIssueCode.UNDEFINED_LIST, `'${first.value}' is not a defined list; it is compared as a literal value`, locateInPieces(cond, first.span.start), item);
    }
    return 1 + this.lists.expandItems(o.items, uses).length;
  }

  private macro(name: string, from: { cond: PieceText; span: Span; item: string } | undefined, visibility: number): Analysis {
    const st = this.macros.get(name);
    if (st && from && st.def.index >= visibility) {
      this.sink.error(
        RulesIssueCode.UNDEFINED_MACRO,
        `undefined macro '${name}': it is defined after this macro, and a macro sees only macros defined before it`,
        locateInPieces(from.cond, from.span.start),
        from.item,
      );
      return BROKEN;
    }
    if (st && from) this.used.add(name);
    if (!st) {
      if (from) this.sink.error(RulesIssueCode.UNDEFINED_MACRO, `undefined macro '${name}'`, locateInPieces(from.cond, from.span.start), from.item);
      return BROKEN;
    }
    if (st.status === 'visiting') {
      if (from) this.sink.error(RulesIssueCode.MACRO_CYCLE, `macro '${name}' refers to itself through other macros (cycle)`, locateInPieces(from.cond, from.span.start), from.item);
      return BROKEN;
    }
    if (st.status === 'new') {
      st.status = 'visiting';
      const label = itemLabel('macro', name);
      let a = this.analyse(st.expr!, st.def.cond, label, st.def.visibility);
      if (a.ok && (a.size > MAX_EXPANDED_NODES || a.depth > MAX_EXPANDED_DEPTH)) {
        this.sink.error(RulesIssueCode.TOO_COMPLEX, `macro '${name}' expands to ${a.size} nodes, ${a.depth} deep (limits ${MAX_EXPANDED_NODES}, ${MAX_EXPANDED_DEPTH})`, st.def.loc, label);
        a = BROKEN;
      }
      st.status = 'done';
      st.analysis = a;
    }
    const analysis = st.analysis!;
    // The macro's own problem is reported at the macro; say why this item fails too.
    if (!analysis.ok && from) {
      this.sink.error(RulesIssueCode.BROKEN_DEPENDENCY, `uses macro '${name}', which failed to load`, locateInPieces(from.cond, from.span.start), from.item);
    }
    return analysis;
  }
}

const BROKEN: Analysis = { ok: false, size: 0, depth: 0, missing: new Map(), unknown: [], notes: [], uses: new Set() };

export function unknownFieldMessage(name: string, suggestion: string | undefined): string {
  return `unknown field '${name}': neither a vigil field nor a Falco or plugin field${suggestion ? `; did you mean '${suggestion}'?` : ''}`;
}

export function deprecatedFieldMessage(name: string): string {
  return name === 'evt.dir'
    ? "field 'evt.dir' is deprecated: Falco dropped enter events, so 'evt.dir = <' is always true and 'evt.dir = >' always false; remove the condition on evt.dir"
    : `field '${name}' is deprecated: Falco dropped enter events, so latencies are no longer computed`;
}

function respanField(f: FieldExpr, span: Span | undefined): FieldExpr {
  if (!span) return f;
  if (f.kind === 'transform') return { kind: 'transform', fn: f.fn, arg: respanField(f.arg, span) as FieldRef, span };
  return { ...f, span };
}
