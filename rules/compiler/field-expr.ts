import type { FieldExpr } from '../ast.js';
import { bindField } from '../fields/index.js';
import type { BoundField, FieldType, FieldValue, Getter } from '../fields/index.js';
import { RulesIssueCode } from '../errors.js';
import { CompileError } from './errors.js';

type Scalar = string | number | boolean;

function mapValue(get: Getter, any: boolean, f: (x: Scalar) => Scalar): Getter {
  if (!any)
    return (e) => {
      const x = get(e);
      return x === undefined ? undefined : f(x as Scalar);
    };
  return (e) => {
    const xs = get(e) as readonly Scalar[] | undefined;
    return xs === undefined ? undefined : (xs.map(f) as readonly (string | number)[]);
  };
}

const b64 = (x: Scalar): string => Buffer.from(String(x), 'base64').toString('utf8');
const basename = (x: Scalar): string => {
  const s = String(x);
  return s.slice(s.lastIndexOf('/') + 1);
};

/** Binds a field reference, applying transformers (tolower, toupper, b64, basename, len) inside out. */
export function compileFieldExpr(fe: FieldExpr): BoundField {
  if (fe.kind === 'field') {
    const b = bindField(fe.name, fe.arg);
    if (typeof b === 'string') {
      throw new CompileError(b.startsWith('unknown field') ? RulesIssueCode.UNKNOWN_FIELD : RulesIssueCode.BAD_FIELD_ARG, b, fe.span);
    }
    return b;
  }
  if (fe.fn === 'val') return compileFieldExpr(fe.arg);
  const inner = compileFieldExpr(fe.arg);
  const isString = inner.type === 'string';
  switch (fe.fn) {
    case 'tolower':
    case 'toupper':
    case 'b64':
    case 'basename': {
      if (!isString) throw new CompileError(RulesIssueCode.BAD_TRANSFORMER, `${fe.fn}() needs a string field, not ${inner.type}`, fe.span);
      const f = fe.fn === 'tolower' ? (x: Scalar) => String(x).toLowerCase() : fe.fn === 'toupper' ? (x: Scalar) => String(x).toUpperCase() : fe.fn === 'b64' ? b64 : basename;
      return { get: mapValue(inner.get, inner.any, f), type: 'string', any: inner.any, derived: true };
    }
    case 'len': {
      if (inner.type === 'list') {
        const g = inner.get;
        return {
          get: (e) => {
            const x = g(e) as readonly string[] | undefined;
            return x === undefined ? undefined : x.length;
          },
          type: 'number',
          any: false,
        };
      }
      if (!isString) throw new CompileError(RulesIssueCode.BAD_TRANSFORMER, `len() needs a string or list field, not ${inner.type}`, fe.span);
      return { get: mapValue(inner.get, inner.any, (x) => String(x).length), type: 'number', any: inner.any, derived: true };
    }
    default:
      throw new CompileError(RulesIssueCode.BAD_TRANSFORMER, `unknown transformer ${String((fe as { fn: string }).fn)}()`, fe.span);
  }
}

export type { FieldType, FieldValue };
