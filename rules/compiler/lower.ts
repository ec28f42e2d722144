import type { Expr } from '../ast.js';
import type { VigilEvent } from '../event.js';
import { printExpr } from '../print.js';
import { compileCompare } from './compare.js';
import type { Pred } from './compare.js';
import { RulesIssueCode } from '../errors.js';
import { CompileError } from './errors.js';
import { isTypeConstraint } from './evt-types.js';
import { compileFieldExpr } from './field-expr.js';

/**
 * A condition after validation and constant folding, ready for code
 * generation. `key` is canonical condition text: two nodes with the same key
 * mean the same thing, so the generator may evaluate them once per event.
 */
export type Node =
  | { readonly k: 'const'; readonly v: boolean; readonly key: string }
  | { readonly k: 'and' | 'or'; readonly xs: readonly Node[]; readonly key: string }
  | { readonly k: 'not'; readonly x: Node; readonly key: string }
  /** A comparison, `exists` or bare bool field, with its closure (the reference semantics and the fallback). */
  | { readonly k: 'leaf'; readonly expr: LeafExpr; readonly pred: Pred; readonly key: string };

export type LeafExpr = Extract<Expr, { kind: 'compare' | 'exists' | 'truthy' }>;

export const TRUE_NODE: Node = { k: 'const', v: true, key: 'true' };
export const FALSE_NODE: Node = { k: 'const', v: false, key: 'false' };

// Extractors of constant fields (evt.dir) ignore the event: any object will do.
const NO_EVENT = Object.freeze({}) as VigilEvent;

function flatten(kind: 'and' | 'or', e: Expr, out: Expr[]): void {
  if (e.kind === kind) {
    flatten(kind, e.left, out);
    flatten(kind, e.right, out);
  } else out.push(e);
}

/** A comparison, `exists` or boolean field as one predicate (shared with the closure compiler). */
export function leafPred(e: LeafExpr): Pred {
  switch (e.kind) {
    case 'compare':
      return compileCompare(e.op, e.left, e.right, e.span);
    case 'exists': {
      const f = compileFieldExpr(e.field);
      const get = f.get;
      if (f.any)
        return (ev) => {
          const x = get(ev) as readonly unknown[] | undefined;
          return x !== undefined && x.length > 0;
        };
      return (ev) => get(ev) !== undefined;
    }
    case 'truthy': {
      const f = compileFieldExpr(e.field);
      if (f.type !== 'bool') {
        throw new CompileError(RulesIssueCode.BAD_OPERATOR, `a ${f.type} field cannot be used as a condition on its own (add an operator)`, e.span);
      }
      const get = f.get;
      return (ev) => get(ev) === true;
    }
  }
}

/** Whether a leaf's value cannot depend on the event. */
function isConstantLeaf(e: LeafExpr): boolean {
  if (e.kind === 'compare') {
    // `x in ()` holds for no value, present or missing.
    if (e.right.kind === 'list' && e.right.items.length === 0 && (e.op === 'in' || e.op === 'intersects' || e.op === 'pmatch')) return true;
    if (e.right.kind === 'fieldvalue') return false;
  }
  const f = e.kind === 'compare' ? e.left : e.field;
  return f.kind === 'field' && compileFieldExpr(f).constant === true;
}

function combine(kind: 'and' | 'or', parts: readonly Node[]): Node {
  const absorbing = kind === 'or';
  const kept: Node[] = [];
  for (const p of parts) {
    if (p.k === 'const') {
      if (p.v === absorbing) return p; // false in an and, true in an or
      continue; // the neutral element
    }
    kept.push(p);
  }
  if (kept.length === 0) return absorbing ? FALSE_NODE : TRUE_NODE;
  if (kept.length === 1) return kept[0]!;
  return { k: kind, xs: kept, key: `(${kept.map((n) => n.key).join(` ${kind} `)})` };
}

/**
 * Validates every part of a condition (a bad literal anywhere is reported,
 * even where folding makes it irrelevant, in source order) and folds what is
 * known at load time: `evt.dir = <`, `x in ()`, and and/or/not over them.
 */
export function lower(e: Expr): Node {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const parts: Expr[] = [];
      flatten(e.kind, e, parts);
      return combine(e.kind, parts.map(lower));
    }
    case 'not': {
      const x = lower(e.expr);
      if (x.k === 'const') return x.v ? FALSE_NODE : TRUE_NODE;
      if (x.k === 'not') return x.x;
      return { k: 'not', x, key: `not ${x.key}` };
    }
    case 'compare':
    case 'exists':
    case 'truthy': {
      const pred = leafPred(e);
      if (isConstantLeaf(e)) return pred(NO_EVENT) ? TRUE_NODE : FALSE_NODE;
      return { k: 'leaf', expr: e, pred, key: printExpr(e) };
    }
    case 'ref':
      throw new CompileError(RulesIssueCode.UNDEFINED_MACRO, `undefined macro or bare word "${e.name}"`, e.span);
  }
}

/**
 * lower() for a rule: when the rule is dispatched by evt.type (`indexed`),
 * the top-level `evt.type = x` / `evt.type in (...)` conjuncts are implied by
 * the bucket the rule sits in and are dropped (still validated).
 */
export function lowerCondition(expr: Expr, indexed: boolean): Node {
  if (!indexed) return lower(expr);
  const parts: Expr[] = [];
  flatten('and', expr, parts);
  return combine(
    'and',
    parts.map((p) => {
      const n = lower(p);
      return isTypeConstraint(p) ? TRUE_NODE : n;
    }),
  );
}
