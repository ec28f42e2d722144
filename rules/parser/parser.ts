import type { CompareOp, Expr, FieldExpr, FieldRef, Literal, LiteralList, Operand, Span, TransformerName } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import { fieldNameLength, identifierLength, isBareChar, isBlank, isFieldArgBareChar, isIdentTail, numberLength, readQuoted } from './scanner.js';

/**
 * Recursive-descent parser for Falco conditions, after libsinsp's grammar:
 *
 *   or    := and ('or' and)*          and  := not ('and' not)*
 *   not   := 'not' not | check        check := '(' or ')' | fieldexpr cond | identifier
 *   cond  := 'exists' | numop number | strop value | listop list
 *
 * Precedence is therefore not > and > or. A bare identifier (no dot) is a
 * macro reference for the resolver; a field must be followed by an operator
 * (libsinsp has no bare-field-as-boolean form, so neither do we).
 */

export interface ParseIssue {
  readonly code: string;
  readonly message: string;
  /** 0-based offset into the condition text. */
  readonly offset: number;
}

export interface ParseResult {
  readonly expr?: Expr;
  readonly issues: ParseIssue[];
}

/** Recursion budget: deep enough for any real rule, far from the JS stack limit. */
const MAX_DEPTH = 400;

const TRANSFORMERS: ReadonlySet<string> = new Set(['tolower', 'toupper', 'b64', 'basename', 'len']);
const NUM_OPS = ['<=', '<', '>=', '>'] as const;
const SYMBOL_STR_OPS = ['==', '=', '!='] as const;
const WORD_STR_OPS: ReadonlySet<string> = new Set(['contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'regex']);
const LIST_OPS: ReadonlySet<string> = new Set(['in', 'intersects', 'pmatch']);
const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not']);

/** Every binary operator the language knows (used to validate exception comps). */
export const COMPARE_OPS: ReadonlySet<CompareOp> = new Set<CompareOp>([
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'glob',
  'iglob',
  'regex',
  'pmatch',
  'in',
  'intersects',
]);
export const LIST_COMPARE_OPS: ReadonlySet<string> = LIST_OPS;

class ParseError {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly offset: number,
  ) {}
}

export class ConditionParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  parse(): ParseResult {
    try {
      this.blank();
      if (this.pos >= this.s.length) {
        return { issues: [{ code: RulesIssueCode.EMPTY_CONDITION, message: 'condition is empty', offset: 0 }] };
      }
      const expr = this.parseOr();
      this.blank();
      if (this.pos < this.s.length) {
        throw this.syntax(`unexpected '${this.peekToken()}', expecting 'and', 'or' or the end of the condition`);
      }
      return { expr, issues: [] };
    } catch (e) {
      if (e instanceof ParseError) return { issues: [{ code: e.code, message: e.message, offset: e.offset }] };
      throw e;
    }
  }

  /** Parses exactly one field expression (`proc.aname[2]`, `tolower(fd.name)`) and nothing else. */
  parseFieldOnly(): { field?: FieldExpr; issues: ParseIssue[] } {
    try {
      this.blank();
      const field = this.tryFieldExpr(false);
      if (!field) throw this.syntax('expected a field name such as proc.name');
      this.blank();
      if (this.pos < this.s.length) throw this.syntax(`unexpected '${this.peekToken()}' after the field`);
      return { field, issues: [] };
    } catch (e) {
      if (e instanceof ParseError) return { issues: [{ code: e.code, message: e.message, offset: e.offset }] };
      throw e;
    }
  }

  // ---- boolean structure -------------------------------------------------

  private parseOr(): Expr {
    this.enter();
    const items: Expr[] = [this.parseAnd()];
    while (this.keyword('or')) items.push(this.parseAnd());
    this.leave();
    return balance('or', items);
  }

  private parseAnd(): Expr {
    this.enter();
    const items: Expr[] = [this.parseNot()];
    while (this.keyword('and')) items.push(this.parseNot());
    this.leave();
    return balance('and', items);
  }

  private parseNot(): Expr {
    this.enter();
    this.blank();
    const start = this.pos;
    let result: Expr;
    if (this.keyword('not')) {
      const inner = this.parseNot();
      result = { kind: 'not', expr: inner, span: { start, end: inner.span.end } };
    } else {
      result = this.parseCheck();
    }
    this.leave();
    return result;
  }

  /**
   * Consumes `word` when it stands as a keyword: followed by a blank or `(`
   * (libsinsp's rule), after optional blanks. Leaves the position alone otherwise.
   */
  private keyword(word: string): boolean {
    const save = this.pos;
    this.blank();
    if (this.s.startsWith(word, this.pos)) {
      const after = this.s.charCodeAt(this.pos + word.length);
      // End of input counts as a boundary so that `a and` reports the missing operand.
      if (isBlank(after) || after === 40 /* ( */ || Number.isNaN(after)) {
        this.pos += word.length;
        return true;
      }
    }
    this.pos = save;
    return false;
  }

  private parseCheck(): Expr {
    this.enter();
    this.blank();
    const start = this.pos;
    if (this.pos >= this.s.length) throw this.syntax("unexpected end of condition, expecting a check, a macro or '('");
    if (this.s[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.blank();
      if (this.s[this.pos] !== ')') throw this.syntax(this.pos >= this.s.length ? "missing ')'" : `expected ')' but found '${this.peekToken()}'`, start);
      this.pos++;
      this.leave();
      // Parentheses only group: the inner node keeps its own span.
      return inner;
    }
    const field = this.tryFieldExpr(false);
    if (field) {
      const e = this.parseCondition(field, start);
      this.leave();
      return e;
    }
    const n = identifierLength(this.s, this.pos);
    if (n > 0) {
      const name = this.s.slice(this.pos, this.pos + n);
      if (KEYWORDS.has(name)) throw this.syntax(`unexpected keyword '${name}'`);
      this.pos += n;
      this.leave();
      return { kind: 'ref', name, span: { start, end: this.pos } };
    }
    throw this.syntax(`unexpected '${this.peekToken()}', expecting a field check, a macro name or '('`);
  }

  // ---- checks -------------------------------------------------------------

  private parseCondition(left: FieldExpr, start: number): Expr {
    this.blank();
    const opStart = this.pos;
    const s = this.s;
    const wordLen = identifierLength(s, this.pos);
    const word = wordLen > 0 ? s.slice(this.pos, this.pos + wordLen) : '';

    if (word === 'exists') {
      this.pos += wordLen;
      return { kind: 'exists', field: left, span: { start, end: this.pos } };
    }
    for (const op of NUM_OPS) {
      if (s.startsWith(op, this.pos)) {
        this.pos += op.length;
        const right = this.parseNumberOperand();
        return { kind: 'compare', op, left, right, span: { start, end: right.span.end } };
      }
    }
    for (const op of SYMBOL_STR_OPS) {
      if (s.startsWith(op, this.pos)) {
        this.pos += op.length;
        const right = this.parseStringOperand();
        return { kind: 'compare', op, left, right, span: { start, end: right.span.end } };
      }
    }
    if (WORD_STR_OPS.has(word)) {
      this.pos += wordLen;
      const right = this.parseStringOperand();
      return { kind: 'compare', op: word as CompareOp, left, right, span: { start, end: right.span.end } };
    }
    if (LIST_OPS.has(word)) {
      this.pos += wordLen;
      const right = this.parseListOperand();
      return { kind: 'compare', op: word as CompareOp, left, right, span: { start, end: right.span.end } };
    }
    if (wordLen > 0 && !KEYWORDS.has(word)) {
      throw new ParseError(RulesIssueCode.UNKNOWN_OPERATOR, `unknown operator '${word}'`, opStart);
    }
    if (this.pos >= s.length) {
      throw this.syntax('expected an operator after the field (=, !=, in, contains, exists, ...), found the end of the condition');
    }
    throw this.syntax(`expected an operator after the field (=, !=, in, contains, exists, ...), found '${this.peekToken()}'`);
  }

  private parseNumberOperand(): Operand {
    this.blank();
    const fv = this.tryFieldValue();
    if (fv) return fv;
    const start = this.pos;
    const n = numberLength(this.s, this.pos);
    if (n === 0) throw this.syntax(`expected a number after a comparison operator, found '${this.peekToken()}'`);
    this.pos += n;
    return { kind: 'literal', value: this.s.slice(start, this.pos), quoted: false, span: { start, end: this.pos } };
  }

  private parseStringOperand(): Operand {
    this.blank();
    const fv = this.tryFieldValue();
    if (fv) return fv;
    const lit = this.tryLiteral();
    if (!lit) throw this.syntax(this.pos >= this.s.length ? 'expected a value, found the end of the condition' : `expected a value, found '${this.peekToken()}'`);
    return lit;
  }

  private parseListOperand(): Operand {
    this.blank();
    const start = this.pos;
    if (this.s[this.pos] === '(') {
      this.pos++;
      const items: Literal[] = [];
      this.blank();
      if (this.s[this.pos] !== ')') {
        for (;;) {
          this.blank();
          const lit = this.tryLiteral();
          if (!lit) throw this.syntax(this.pos >= this.s.length ? "unterminated list, expecting ')'" : `expected a list item, found '${this.peekToken()}'`);
          items.push(lit);
          this.blank();
          if (this.s[this.pos] === ',') {
            this.pos++;
            continue;
          }
          break;
        }
      }
      if (this.s[this.pos] !== ')') throw this.syntax(this.pos >= this.s.length ? "unterminated list, expecting ')'" : `expected ',' or ')' in list, found '${this.peekToken()}'`);
      this.pos++;
      return { kind: 'list', items, span: { start, end: this.pos } };
    }
    const fv = this.tryFieldValue();
    if (fv) return fv;
    // `in list_name` without parentheses: a one-item list whose span equals the
    // item's span, which is how the resolver tells it from `(list_name)`.
    const n = identifierLength(this.s, this.pos);
    if (n > 0) {
      this.pos += n;
      const span = { start, end: this.pos };
      const item: Literal = { kind: 'literal', value: this.s.slice(start, this.pos), quoted: false, span };
      return { kind: 'list', items: [item], span };
    }
    throw this.syntax(`expected a list '(a, b)' or a list name, found '${this.peekToken()}'`);
  }

  private tryLiteral(): Literal | undefined {
    const start = this.pos;
    const c = this.s[this.pos];
    if (c === '"' || c === "'") {
      const q = readQuoted(this.s, this.pos);
      if (!q.ok) throw this.syntax(q.message, q.offset);
      this.pos = q.end;
      return { kind: 'literal', value: q.value, quoted: true, span: { start, end: this.pos } };
    }
    let i = this.pos;
    while (i < this.s.length && isBareChar(this.s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    this.pos = i;
    return { kind: 'literal', value: this.s.slice(start, i), quoted: false, span: { start, end: i } };
  }

  // ---- fields -------------------------------------------------------------

  /** `val(field)` or a transformer on the right-hand side. */
  private tryFieldValue(): Operand | undefined {
    const start = this.pos;
    if (this.s.startsWith('val(', this.pos)) {
      this.pos += 4;
      this.blank();
      const fstart = this.pos;
      const field = this.tryPlainField();
      if (!field) throw this.syntax("expected a field inside 'val(...)'", fstart);
      this.blank();
      if (this.s[this.pos] !== ')') throw this.syntax("expected ')' closing 'val('");
      this.pos++;
      return { kind: 'fieldvalue', field, span: { start, end: this.pos } };
    }
    if (this.transformerAt() !== undefined) {
      const field = this.tryFieldExpr(true);
      if (field) return { kind: 'fieldvalue', field, span: { start, end: this.pos } };
    }
    return undefined;
  }

  private transformerAt(): TransformerName | undefined {
    const n = identifierLength(this.s, this.pos);
    if (n === 0) return undefined;
    const name = this.s.slice(this.pos, this.pos + n);
    return TRANSFORMERS.has(name) && this.s[this.pos + n] === '(' ? (name as TransformerName) : undefined;
  }

  /** A field, possibly wrapped in (nested) transformers. */
  private tryFieldExpr(required: boolean): FieldExpr | undefined {
    this.enter();
    const start = this.pos;
    const fn = this.transformerAt();
    if (fn !== undefined) {
      this.pos += fn.length + 1;
      this.blank();
      const inner = this.tryFieldExpr(true);
      if (!inner) throw this.syntax(`expected a field or a transformer inside '${fn}(...)'`);
      this.blank();
      if (this.s[this.pos] !== ')') throw this.syntax(`expected ')' closing '${fn}('`);
      this.pos++;
      this.leave();
      return { kind: 'transform', fn, arg: inner, span: { start, end: this.pos } };
    }
    const f = this.tryPlainField();
    if (!f && required) throw this.syntax(`expected a field name, found '${this.peekToken()}'`);
    this.leave();
    return f;
  }

  private tryPlainField(): FieldRef | undefined {
    const start = this.pos;
    const n = fieldNameLength(this.s, this.pos);
    if (n === 0) return undefined;
    const name = this.s.slice(start, start + n);
    this.pos += n;
    if (this.s[this.pos] !== '[') return { kind: 'field', name, span: { start, end: this.pos } };
    this.pos++;
    let arg: string;
    const c = this.s[this.pos];
    if (c === '"' || c === "'") {
      const q = readQuoted(this.s, this.pos);
      if (!q.ok) throw this.syntax(q.message, q.offset);
      arg = q.value;
      this.pos = q.end;
    } else {
      const a0 = this.pos;
      while (this.pos < this.s.length && isFieldArgBareChar(this.s.charCodeAt(this.pos))) this.pos++;
      if (this.pos === a0) throw this.syntax(`expected a field argument inside '${name}[...]'`);
      arg = this.s.slice(a0, this.pos);
    }
    if (this.s[this.pos] !== ']') throw this.syntax(`expected ']' closing the argument of '${name}'`);
    this.pos++;
    return { kind: 'field', name, arg, span: { start, end: this.pos } };
  }

  // ---- utilities ----------------------------------------------------------

  private blank(): void {
    while (this.pos < this.s.length && isBlank(this.s.charCodeAt(this.pos))) this.pos++;
  }

  private peekToken(): string {
    const s = this.s;
    if (this.pos >= s.length) return 'end of condition';
    let i = this.pos;
    if (isIdentTail(s.charCodeAt(i))) {
      while (i < s.length && i - this.pos < 40 && isBareChar(s.charCodeAt(i))) i++;
    } else {
      i++;
    }
    return s.slice(this.pos, i);
  }

  private syntax(message: string, offset = this.pos): ParseError {
    return new ParseError(RulesIssueCode.CONDITION_SYNTAX, message, Math.min(Math.max(offset, 0), this.s.length));
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw new ParseError(RulesIssueCode.TOO_COMPLEX, `condition is nested too deeply (more than ${MAX_DEPTH} levels)`, this.pos);
    }
  }

  private leave(): void {
    this.depth--;
  }
}

/**
 * Builds a balanced tree from a chain `a and b and c ...` so that very long
 * chains (generated rule files) never make tree walkers recurse deeply; the
 * in-order sequence, hence short-circuit order, is the written one.
 */
function balance(kind: 'and' | 'or', items: readonly Expr[]): Expr {
  if (items.length === 1) return items[0]!;
  const mid = items.length >> 1;
  const left = balance(kind, items.slice(0, mid));
  const right = balance(kind, items.slice(mid));
  const span: Span = { start: left.span.start, end: right.span.end };
  return { kind, left, right, span };
}

export type { LiteralList };
