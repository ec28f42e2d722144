import type { CompareOp, Literal, Operand, Span } from '../ast.js';
import type { VigilEvent } from '../event.js';
import { cidrContains, parseCidr, parseIp } from '../fields/index.js';
import type { BoundField, Cidr, FieldType, FieldValue, IpValue } from '../fields/index.js';
import { RulesIssueCode } from '../errors.js';
import { CompileError } from './errors.js';
import { compileFieldExpr } from './field-expr.js';
import { compileGlob, compilePmatch, escapeRegExp } from './patterns.js';
import { compileLinearRegex, type LinearRegex } from './regex.js';
import { COMPARE_OPS } from '../parser/parser.js';

export type Pred = (e: VigilEvent) => boolean;
type Test = (x: FieldValue) => boolean;

/** A string field takes every operator of the language. */
const STRING_OPS: ReadonlySet<CompareOp> = COMPARE_OPS;
const OPS: Readonly<Record<FieldType, ReadonlySet<CompareOp>>> = {
  string: STRING_OPS,
  number: new Set<CompareOp>(['=', '==', '!=', '<', '<=', '>', '>=', 'in', 'intersects']),
  bool: new Set<CompareOp>(['=', '==', '!=', 'in', 'intersects']),
  ipaddr: new Set<CompareOp>(['=', '==', '!=', 'in', 'intersects']),
  ipnet: new Set<CompareOp>(['=', '==', '!=', 'in', 'intersects']),
  list: new Set<CompareOp>(['in', 'intersects']),
};
const LIST_OPS: ReadonlySet<CompareOp> = new Set<CompareOp>(['in', 'intersects', 'pmatch']);

function literals(op: CompareOp, rhs: Operand, span: Span): readonly Literal[] {
  if (rhs.kind === 'list') {
    if (!LIST_OPS.has(op)) throw new CompileError(RulesIssueCode.BAD_VALUE, `operator ${op} takes one value, not a list`, span);
    return rhs.items;
  }
  if (rhs.kind === 'literal') return [rhs];
  throw new CompileError(RulesIssueCode.BAD_VALUE, 'unexpected field value', span);
}

const NUM_RE = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0[xX][0-9a-fA-F]+$/;

export function parseNumber(l: Literal): number {
  if (!NUM_RE.test(l.value)) throw new CompileError(RulesIssueCode.BAD_VALUE, `expected a number, got "${l.value}"`, l.span);
  return Number(l.value);
}

export function parseBool(l: Literal): boolean {
  const v = l.value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CompileError(RulesIssueCode.BAD_VALUE, `expected true or false, got "${l.value}"`, l.span);
}

/** ipaddr accepts an address or a network; ipnet only a network (a bare address is a /32 or /128). */
function parseNet(l: Literal, type: 'ipaddr' | 'ipnet'): Cidr {
  const c = parseCidr(l.value);
  if (c === undefined) throw new CompileError(RulesIssueCode.BAD_VALUE, `expected an IP ${type === 'ipnet' ? 'network (CIDR)' : 'address or network'}, got "${l.value}"`, l.span);
  return c;
}

function ipOf(x: FieldValue): IpValue | undefined {
  return typeof x === 'string' ? parseIp(x) : undefined;
}

function bytesOf(hex: Literal): string {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex.value)) throw new CompileError(RulesIssueCode.BAD_VALUE, `expected hex bytes, got "${hex.value}"`, hex.span);
  return Buffer.from(hex.value, 'hex').toString('latin1');
}

/** =, ==, !=, <, <=, >, >= against one number or string; undefined for any other operator. */
function orderedTest<T extends number | string>(op: CompareOp, v: T): Test | undefined {
  switch (op) {
    case '=':
    case '==':
      return (x) => x === v;
    case '!=':
      return (x) => x !== v;
    case '<':
      return (x) => (x as T) < v;
    case '<=':
      return (x) => (x as T) <= v;
    case '>':
      return (x) => (x as T) > v;
    case '>=':
      return (x) => (x as T) >= v;
    default:
      return undefined;
  }
}

/** A test for one extracted (non-missing) value against literal operands. */
function literalTest(op: CompareOp, type: FieldType, lits: readonly Literal[], span: Span): Test {
  const one = lits[0];
  if (one === undefined) {
    if (op === 'in' || op === 'intersects' || op === 'pmatch') return () => false;
    throw new CompileError(RulesIssueCode.BAD_VALUE, `operator ${op} needs a value`, span);
  }
  switch (type) {
    case 'number': {
      if (op === 'in' || op === 'intersects') {
        const s = new Set(lits.map(parseNumber));
        return (x) => s.has(x as number);
      }
      const ordered = orderedTest(op, parseNumber(one));
      if (ordered) return ordered;
      break;
    }
    case 'bool': {
      if (op === 'in' || op === 'intersects') {
        const s = new Set(lits.map(parseBool));
        return (x) => s.has(x as boolean);
      }
      const v = parseBool(one);
      return op === '!=' ? (x) => x !== v : (x) => x === v;
    }
    case 'ipaddr':
    case 'ipnet': {
      const nets = lits.map((l) => parseNet(l, type));
      const inAny = (x: FieldValue): boolean => {
        const ip = ipOf(x);
        if (ip === undefined) return false;
        for (const n of nets) if (cidrContains(n, ip)) return true;
        return false;
      };
      return op === '!=' ? (x) => ipOf(x) !== undefined && !inAny(x) : inAny;
    }
    case 'list': {
      const s = new Set(lits.map((l) => l.value));
      // Falco: `in` holds when every extracted value is in the set, `intersects` when one is.
      if (op === 'in')
        return (x) => {
          const xs = x as readonly string[];
          if (xs.length === 0) return false;
          for (const v of xs) if (!s.has(v)) return false;
          return true;
        };
      return (x) => {
        for (const v of x as readonly string[]) if (s.has(v)) return true;
        return false;
      };
    }
    case 'string': {
      const v = one.value;
      const ordered = orderedTest(op, v);
      if (ordered) return ordered;
      switch (op) {
        case 'contains':
          return (x) => (x as string).includes(v);
        case 'icontains': {
          const re = new RegExp(escapeRegExp(v), 'i');
          return (x) => re.test(x as string);
        }
        case 'startswith':
          return (x) => (x as string).startsWith(v);
        case 'endswith':
          return (x) => (x as string).endsWith(v);
        case 'bcontains': {
          const b = bytesOf(one);
          return (x) =>
            Buffer.from(x as string, 'utf8')
              .toString('latin1')
              .includes(b);
        }
        case 'bstartswith': {
          const b = bytesOf(one);
          return (x) =>
            Buffer.from(x as string, 'utf8')
              .toString('latin1')
              .startsWith(b);
        }
        case 'glob':
        case 'iglob': {
          const re = compileGlob(v, op === 'iglob');
          return (x) => re.test(x as string);
        }
        case 'regex': {
          let re: LinearRegex;
          try {
            re = compileLinearRegex(v);
          } catch (err) {
            throw new CompileError(RulesIssueCode.BAD_REGEX, `regex "${v}" is not supported (RE2 syntax, matched in linear time): ${(err as Error).message}`, one.span);
          }
          return (x) => re.test(x as string);
        }
        case 'pmatch': {
          const m = compilePmatch(lits.map((l) => l.value));
          return (x) => m(x as string);
        }
        case 'in':
        case 'intersects': {
          if (lits.length === 1) return (x) => x === v;
          const s = new Set(lits.map((l) => l.value));
          return (x) => s.has(x as string);
        }
        default:
          break;
      }
      break;
    }
  }
  throw new CompileError(RulesIssueCode.BAD_OPERATOR, `operator ${op} is not valid for a ${type} field`, span);
}

/** A test comparing two extracted values (rhs is val(field) or a field). */
function fieldTest(op: CompareOp, type: FieldType, span: Span): (x: FieldValue, y: FieldValue) => boolean {
  if (type === 'ipaddr' || type === 'ipnet') {
    if (op === '=' || op === '==')
      return (x, y) => {
        const a = ipOf(x);
        return a !== undefined && a === ipOf(y);
      };
    if (op === '!=')
      return (x, y) => {
        const a = ipOf(x);
        const b = ipOf(y);
        return a !== undefined && b !== undefined && a !== b;
      };
  }
  switch (op) {
    case '=':
    case '==':
    case 'in':
    case 'intersects':
      return (x, y) => x === y;
    case '!=':
      return (x, y) => x !== y;
    case '<':
      return (x, y) => x < y;
    case '<=':
      return (x, y) => x <= y;
    case '>':
      return (x, y) => x > y;
    case '>=':
      return (x, y) => x >= y;
    default:
      break;
  }
  if (type === 'string') {
    switch (op) {
      case 'contains':
        return (x, y) => (x as string).includes(y as string);
      case 'icontains':
        return (x, y) => (x as string).toLowerCase().includes((y as string).toLowerCase());
      case 'startswith':
        return (x, y) => (x as string).startsWith(y as string);
      case 'endswith':
        return (x, y) => (x as string).endsWith(y as string);
      default:
        break;
    }
  }
  throw new CompileError(RulesIssueCode.BAD_OPERATOR, `operator ${op} cannot compare with a field value`, span);
}

function checkOp(op: CompareOp, lhs: BoundField, span: Span): void {
  if (!OPS[lhs.type].has(op)) {
    throw new CompileError(RulesIssueCode.BAD_OPERATOR, `operator ${op} is not valid for a ${lhs.type} field`, span);
  }
}

/**
 * `field op value`. A missing field makes the comparison false (Falco: the
 * extraction fails, so the filter check fails), whatever the operator, `!=`
 * included; `not` of it is then true.
 */
export function compileCompare(op: CompareOp, left: Parameters<typeof compileFieldExpr>[0], right: Operand, span: Span): Pred {
  const lhs = compileFieldExpr(left);
  checkOp(op, lhs, span);
  const get = lhs.get;

  if (right.kind === 'fieldvalue') {
    const rhs = compileFieldExpr(right.field);
    if (rhs.type !== lhs.type && !((lhs.type === 'ipaddr' || lhs.type === 'ipnet') && (rhs.type === 'ipaddr' || rhs.type === 'ipnet'))) {
      throw new CompileError(RulesIssueCode.BAD_VALUE, `cannot compare a ${lhs.type} field with a ${rhs.type} field`, span);
    }
    if (rhs.any || rhs.type === 'list' || lhs.type === 'list') throw new CompileError(RulesIssueCode.BAD_VALUE, 'a field value must be single-valued', span);
    const t2 = fieldTest(op, lhs.type, span);
    const get2 = rhs.get;
    if (lhs.twoEnded && op === '!=') {
      return (e) => {
        const xs = get(e) as readonly FieldValue[] | undefined;
        if (xs === undefined || xs.length === 0) return false;
        const y = get2(e);
        if (y === undefined) return false;
        for (let i = 0; i < xs.length; i++) if (!t2(xs[i]!, y)) return false;
        return true;
      };
    }
    if (lhs.any) {
      return (e) => {
        const xs = get(e) as readonly FieldValue[] | undefined;
        if (xs === undefined) return false;
        const y = get2(e);
        if (y === undefined) return false;
        for (let i = 0; i < xs.length; i++) if (t2(xs[i]!, y)) return true;
        return false;
      };
    }
    return (e) => {
      const x = get(e);
      if (x === undefined) return false;
      const y = get2(e);
      return y !== undefined && t2(x, y);
    };
  }

  const lits = literals(op, right, span);
  // Fast paths for the commonest shapes: no extra call per event.
  if (!lhs.any && lhs.type === 'string' && lits.length >= 1) {
    if ((op === '=' || op === '==') && lits.length === 1) {
      const v = lits[0]!.value;
      return (e) => get(e) === v;
    }
    if (op === 'in' || op === 'intersects') {
      if (lits.length === 1) {
        const v = lits[0]!.value;
        return (e) => get(e) === v;
      }
      const s = new Set<unknown>(lits.map((l) => l.value));
      return (e) => s.has(get(e));
    }
  }
  if (!lhs.any && lhs.type === 'string' && lits.length === 1) {
    const v = lits[0]!.value;
    switch (op) {
      case '!=':
        return (e) => {
          const x = get(e);
          return x !== undefined && x !== v;
        };
      case 'contains':
        return (e) => {
          const x = get(e) as string | undefined;
          return x?.includes(v) === true;
        };
      case 'startswith':
        return (e) => {
          const x = get(e) as string | undefined;
          return x?.startsWith(v) === true;
        };
      case 'endswith':
        return (e) => {
          const x = get(e) as string | undefined;
          return x?.endsWith(v) === true;
        };
      default:
        break;
    }
  }
  if (!lhs.any && lhs.type === 'number' && lits.length === 1) {
    const v = parseNumber(lits[0]!);
    switch (op) {
      case '=':
      case '==':
        return (e) => get(e) === v;
      case '!=':
        return (e) => {
          const x = get(e);
          return x !== undefined && x !== v;
        };
      case '<':
        return (e) => {
          const x = get(e) as number | undefined;
          return x !== undefined && x < v;
        };
      case '<=':
        return (e) => {
          const x = get(e) as number | undefined;
          return x !== undefined && x <= v;
        };
      case '>':
        return (e) => {
          const x = get(e) as number | undefined;
          return x !== undefined && x > v;
        };
      case '>=':
        return (e) => {
          const x = get(e) as number | undefined;
          return x !== undefined && x >= v;
        };
      default:
        break;
    }
  }
  const t = literalTest(op, lhs.type, lits, span);
  if (lhs.twoEnded && op === '!=') {
    // Neither end equals: libsinsp ands the two `!=` tests; not a socket (no ends) is false.
    return (e) => {
      const xs = get(e) as readonly FieldValue[] | undefined;
      if (xs === undefined || xs.length === 0) return false;
      for (let i = 0; i < xs.length; i++) if (!t(xs[i]!)) return false;
      return true;
    };
  }
  if (lhs.any) {
    return (e) => {
      const xs = get(e) as readonly FieldValue[] | undefined;
      if (xs === undefined) return false;
      for (let i = 0; i < xs.length; i++) if (t(xs[i]!)) return true;
      return false;
    };
  }
  return (e) => {
    const x = get(e);
    return x !== undefined && t(x);
  };
}
