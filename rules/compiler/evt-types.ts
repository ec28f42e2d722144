import type { Expr } from '../ast.js';

/** `evt.type = x` or `evt.type in (...)` on the bare field (no transformer). */
export function isTypeConstraint(e: Expr): boolean {
  return (
    e.kind === 'compare' &&
    e.left.kind === 'field' &&
    e.left.name === 'evt.type' &&
    e.left.arg === undefined &&
    (e.op === '=' || e.op === '==' ? e.right.kind === 'literal' : (e.op === 'in' || e.op === 'intersects') && e.right.kind === 'list')
  );
}

/**
 * The evt.type values a condition can match, or null when unconstrained.
 * and: intersection of the constrained sides; or: union if both sides are
 * constrained; not and everything else: unconstrained (safe).
 */
export function evtTypesOf(e: Expr): Set<string> | null {
  switch (e.kind) {
    case 'compare': {
      if (!isTypeConstraint(e)) return null;
      if (e.right.kind === 'literal') return new Set([e.right.value]);
      if (e.right.kind === 'list') return new Set(e.right.items.map((i) => i.value));
      return null;
    }
    case 'and': {
      const l = evtTypesOf(e.left);
      const r = evtTypesOf(e.right);
      if (l === null) return r;
      if (r === null) return l;
      return new Set([...l].filter((t) => r.has(t)));
    }
    case 'or': {
      const l = evtTypesOf(e.left);
      if (l === null) return null;
      const r = evtTypesOf(e.right);
      if (r === null) return null;
      return new Set([...l, ...r]);
    }
    default:
      return null;
  }
}
