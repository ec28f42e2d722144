import type { Expr, FieldExpr, FieldRef, Operand, Span } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import type { IssueSink } from '../loader/issues.js';
import { itemLabel } from '../loader/issues.js';
import type { Collection, MacroDef } from '../loader/model.js';
import { joinedText, locateInPieces, type PieceText } from '../loader/source.js';
import { parseCondition } from '../parser/index.js';
import type { ListExpander } from './lists.js';

/** Expanded trees larger or deeper than this are refused (a macro fan-out can grow exponentially). */
export const MAX_EXPANDED_NODES = 200_000;
export const MAX_EXPANDED_DEPTH = 1_000;

export type FieldPredicate = (name: string, arg?: string) => boolean;

/** Facts about a condition after analysis, before it is expanded. */
export interface Analysis {
  readonly ok: boolean;
  readonly size: number;
  readonly depth: number;
  /** Missing field → where it is used (`macro x`, or '' for the item itself). */
  readonly missing: ReadonlyMap<string, string>;
}

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

  constructor(
    macroDefs: Collection<MacroDef>,
    private readonly lists: ListExpander,
    private readonly fieldExists: FieldPredicate,
    private readonly sink: IssueSink,
  ) {
    for (const def of macroDefs.values()) {
      const text = joinedText(def.cond);
      const parsed = parseCondition(text);
      for (const i of parsed.issues) {
        sink.error(i.code, i.message, locateInPieces(def.cond, i.offset), itemLabel('macro', def.name));
      }
      this.macros.set(def.name, parsed.expr ? { def, expr: parsed.expr, status: 'new' } : { def, status: 'done', analysis: BROKEN });
    }
  }

  /** Analyses every macro so that problems in unused macros are reported too (as Falco does). */
  checkAllMacros(): void {
    for (const name of this.macros.keys()) this.macro(name, undefined);
  }

  /**
   * Analyses a parsed condition of an item (a rule, or an exception-less
   * check): reports undefined macros and cycles at the reference.
   */
  analyse(expr: Expr, cond: PieceText, item: string): Analysis {
    const missing = new Map<string, string>();
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
          this.fields(e.left, missing, '');
          size += this.operand(e.right, missing, cond, item);
          break;
        case 'exists':
        case 'truthy':
          this.fields(e.field, missing, '');
          break;
        case 'ref': {
          const m = this.macro(e.name, { cond, span: e.span, item });
          if (!m.ok) {
            ok = false;
            break;
          }
          size += m.size - 1;
          if (d - 1 + m.depth > maxDepth) maxDepth = d - 1 + m.depth;
          for (const [f, where] of m.missing) if (!missing.has(f)) missing.set(f, where || `macro ${e.name}`);
          break;
        }
      }
    }
    return { ok, size, depth: maxDepth, missing };
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

  /** Records missing fields of a field expression. */
  fields(f: FieldExpr, missing: Map<string, string>, where: string): void {
    let ref: FieldExpr = f;
    while (ref.kind === 'transform') ref = ref.arg;
    const r = ref as FieldRef;
    if (!this.fieldExists(r.name, r.arg)) {
      const key = r.arg === undefined ? r.name : `${r.name}[${r.arg}]`;
      if (!missing.has(key)) missing.set(key, where);
    }
  }

  private operand(o: Operand, missing: Map<string, string>, cond: PieceText, item: string): number {
    if (o.kind === 'fieldvalue') {
      this.fields(o.field, missing, '');
      return 1;
    }
    if (o.kind === 'literal') return 1;
    const first = o.items[0];
    // `in name` without parentheses: the list span is the item's span.
    if (o.items.length === 1 && first && !first.quoted && first.span.start === o.span.start && !this.lists.has(first.value)) {
      this.sink.warn(RulesIssueCode.UNDEFINED_LIST, `'${first.value}' is not a defined list; it is compared as a literal value`, locateInPieces(cond, first.span.start), item);
    }
    return 1 + this.lists.expandedCount(o.items);
  }

  private macro(name: string, from: { cond: PieceText; span: Span; item: string } | undefined): Analysis {
    const st = this.macros.get(name);
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
      let a = this.analyse(st.expr!, st.def.cond, label);
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

const BROKEN: Analysis = { ok: false, size: 0, depth: 0, missing: new Map() };

function respanField(f: FieldExpr, span: Span | undefined): FieldExpr {
  if (!span) return f;
  if (f.kind === 'transform') return { kind: 'transform', fn: f.fn, arg: respanField(f.arg, span) as FieldRef, span };
  return { ...f, span };
}
