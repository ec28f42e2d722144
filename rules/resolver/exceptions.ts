import type { CompareOp, Expr, FieldExpr, Literal, Operand, Span } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import type { ExValue, ExceptionDef } from '../loader/model.js';
import { LIST_COMPARE_OPS, literalFromItem, parseField } from '../parser/index.js';
import { numberLength } from '../parser/scanner.js';
import type { Location } from '../types.js';
import type { ListExpander } from './lists.js';

const NUM_OPS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

export interface ExceptionProblem {
  readonly code: string;
  readonly message: string;
  readonly loc: Location;
}

/**
 * Builds the `not (...)` clause of one exception, as Falco's
 * build_rule_exception_infos writes it:
 *   one field:  field comp (v1, v2, ...)
 *   a tuple:    (f1 c1 v11 and f2 c2 v12) or (f1 c1 v21 and f2 c2 v22) ...
 * A tuple value that is a list becomes an inline list; a scalar under a
 * list operator becomes a one-item list (so a list name expands). Returns
 * undefined for an exception without values (Falco skips those).
 */
export function exceptionExpr(ex: ExceptionDef, lists: ListExpander, span: Span, uses?: Set<string>): Expr | ExceptionProblem | undefined {
  if (ex.values.length === 0 || !ex.fields || !ex.comps) return undefined;
  const fields: FieldExpr[] = [];
  for (const f of ex.fields.items) {
    const p = parseField(f.value);
    if (!p.field) return { code: RulesIssueCode.EXCEPTION, message: `'${f.value}' is not a field`, loc: f.loc };
    fields.push(respan(p.field, span));
  }
  const comps = ex.comps.items.map((c) => c.value as CompareOp);
  if (!ex.fields.list) {
    const items = lists.expandItems(
      ex.values.map((v) => lit(v, span)),
      uses,
    );
    return { kind: 'compare', op: comps[0]!, left: fields[0]!, right: { kind: 'list', items, span }, span };
  }
  const rows: Expr[] = [];
  for (const row of ex.values) {
    if (row.kind !== 'list') return { code: RulesIssueCode.EXCEPTION, message: `exception '${ex.name}': value must be a list`, loc: row.loc };
    const checks: Expr[] = [];
    for (let j = 0; j < fields.length; j++) {
      const v = row.items[j];
      if (!v) return { code: RulesIssueCode.EXCEPTION, message: `exception '${ex.name}': value has fewer entries than fields`, loc: row.loc };
      const op = comps[j]!;
      let right: Operand;
      if (v.kind === 'list') {
        right = {
          kind: 'list',
          items: lists.expandItems(
            v.items.map((x) => lit(x, span)),
            uses,
          ),
          span,
        };
      } else if (LIST_COMPARE_OPS.has(op)) {
        right = { kind: 'list', items: lists.expandItems([lit(v, span)], uses), span };
      } else {
        const l = lit(v, span);
        if (NUM_OPS.has(op) && (l.quoted || numberLength(l.value, 0) !== l.value.length)) {
          return { code: RulesIssueCode.EXCEPTION, message: `exception '${ex.name}': '${l.value}' is not a number, as '${op}' needs`, loc: v.loc };
        }
        right = l;
      }
      checks.push({ kind: 'compare', op, left: fields[j]!, right, span });
    }
    rows.push(chain('and', checks, span));
  }
  return chain('or', rows, span);
}

function lit(v: ExValue, span: Span): Literal {
  return literalFromItem(v.kind === 'scalar' ? v.text : '', span);
}

function respan(f: FieldExpr, span: Span): FieldExpr {
  return f.kind === 'transform' ? { ...f, arg: respan(f.arg, span), span } : { ...f, span };
}

/** Balanced like the parser's chains, so long value lists never build deep trees. */
export function chain(kind: 'and' | 'or', items: readonly Expr[], span: Span): Expr {
  if (items.length === 1) return items[0]!;
  const mid = items.length >> 1;
  return { kind, left: chain(kind, items.slice(0, mid), span), right: chain(kind, items.slice(mid), span), span };
}
