import type { Expr, FieldExpr, Literal, Operand } from './ast.js';
import { isBareSafe, isFieldArgBareSafe, quote } from './parser/scanner.js';

/**
 * Prints a condition tree back as canonical condition text: single spaces,
 * `and`/`or` chains flattened, parentheses only where precedence needs them,
 * quoted literals always double-quoted. The output parses back to the same
 * tree (modulo spans and chain shape), which the property tests check.
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const parts: string[] = [];
      for (const child of chain(e.kind, e)) {
        const text = printExpr(child);
        // `or` under `and` needs parentheses; `and` under `or` binds tighter already.
        parts.push(e.kind === 'and' && child.kind === 'or' ? `(${text})` : text);
      }
      return parts.join(` ${e.kind} `);
    }
    case 'not': {
      const inner = printExpr(e.expr);
      return e.expr.kind === 'and' || e.expr.kind === 'or' ? `not (${inner})` : `not ${inner}`;
    }
    case 'compare':
      return `${printField(e.left)} ${e.op} ${printOperand(e.right)}`;
    case 'exists':
      return `${printField(e.field)} exists`;
    case 'ref':
      return e.name;
    case 'truthy':
      return printField(e.field);
  }
}

/** The operands of a same-kind chain, in order, without recursion on the chain spine. */
function chain(kind: 'and' | 'or', e: Expr): Expr[] {
  const out: Expr[] = [];
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === kind) {
      stack.push(n.right, n.left);
    } else {
      out.push(n);
    }
  }
  return out;
}

export function printField(f: FieldExpr): string {
  if (f.kind === 'transform') return `${f.fn}(${printField(f.arg)})`;
  if (f.arg === undefined) return f.name;
  return `${f.name}[${isFieldArgBareSafe(f.arg) ? f.arg : quote(f.arg)}]`;
}

export function printOperand(o: Operand): string {
  switch (o.kind) {
    case 'literal':
      return printLiteral(o);
    case 'list':
      return `(${o.items.map(printLiteral).join(', ')})`;
    case 'fieldvalue':
      return o.field.kind === 'transform' ? printField(o.field) : `val(${printField(o.field)})`;
  }
}

export function printLiteral(l: Literal): string {
  return !l.quoted && isBareSafe(l.value) ? l.value : quote(l.value);
}
