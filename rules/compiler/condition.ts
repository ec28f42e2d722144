import type { Expr } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import { CompileError } from './errors.js';
import type { Pred } from './compare.js';
import { generatePred, planMemo } from './codegen.js';
import { leafPred } from './lower.js';
import { lowerCondition } from './lower.js';

export type { Pred };

const TRUE: Pred = () => true;

function flatten(kind: 'and' | 'or', e: Expr, out: Expr[]): void {
  if (e.kind === kind) {
    flatten(kind, e.left, out);
    flatten(kind, e.right, out);
  } else out.push(e);
}

function combine(kind: 'and' | 'or', ps: readonly Pred[]): Pred {
  if (ps.length === 0) return kind === 'and' ? TRUE : () => false;
  if (ps.length === 1) return ps[0]!;
  if (kind === 'and') {
    if (ps.length === 2) {
      const [a, b] = ps as [Pred, Pred];
      return (e) => a(e) && b(e);
    }
    if (ps.length === 3) {
      const [a, b, c] = ps as [Pred, Pred, Pred];
      return (e) => a(e) && b(e) && c(e);
    }
    const n = ps.length;
    return (e) => {
      for (let i = 0; i < n; i++) if (!ps[i]!(e)) return false;
      return true;
    };
  }
  if (ps.length === 2) {
    const [a, b] = ps as [Pred, Pred];
    return (e) => a(e) || b(e);
  }
  if (ps.length === 3) {
    const [a, b, c] = ps as [Pred, Pred, Pred];
    return (e) => a(e) || b(e) || c(e);
  }
  const n = ps.length;
  return (e) => {
    for (let i = 0; i < n; i++) if (ps[i]!(e)) return true;
    return false;
  };
}

function compileExpr(e: Expr): Pred {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const parts: Expr[] = [];
      flatten(e.kind, e, parts);
      return combine(e.kind, parts.map(compileExpr));
    }
    case 'not': {
      const p = compileExpr(e.expr);
      return (ev) => !p(ev);
    }
    case 'compare':
    case 'exists':
    case 'truthy':
      return leafPred(e);
    case 'ref':
      throw new CompileError(RulesIssueCode.UNDEFINED_MACRO, `undefined macro or bare word "${e.name}"`, e.span);
  }
}

/**
 * The condition as plain composed closures: the reference semantics that the
 * generated code (compileCondition) must reproduce; tests compare the two.
 */
export function compileClosure(expr: Expr): Pred {
  return compileExpr(expr);
}

/**
 * Compiles a condition once: validated, folded (lower.ts) and generated as one
 * function (codegen.ts) with its own per-event memo. When the rule is
 * dispatched by evt.type (`indexed`), the top-level `evt.type = x` /
 * `evt.type in (...)` conjuncts are implied by the bucket and dropped.
 * compileRuleSet shares one memo across all the rules of a set instead.
 */
export function compileCondition(expr: Expr, indexed: boolean): Pred {
  const node = lowerCondition(expr, indexed);
  return generatePred(node, planMemo([node]));
}
