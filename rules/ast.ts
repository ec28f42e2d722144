/**
 * Condition syntax tree: the contract between the parser/resolver (which
 * produce it, with macros expanded and list names inlined) and the compiler
 * (which turns it into closures). Positions are offsets into the condition
 * string; the loader maps them to file:line:col.
 */

export interface Span {
  /** 0-based offset of the first character in the condition text. */
  readonly start: number;
  /** 0-based offset just past the last character. */
  readonly end: number;
}

export type CompareOp =
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'contains'
  | 'icontains'
  | 'bcontains'
  | 'startswith'
  | 'bstartswith'
  | 'endswith'
  | 'glob'
  | 'iglob'
  | 'regex'
  | 'pmatch'
  | 'in'
  | 'intersects';

export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'val';

/** `proc.aname[2]`, `k8s.pod.label[app]`, `evt.type`. */
export interface FieldRef {
  readonly kind: 'field';
  readonly name: string;
  readonly arg?: string;
  readonly span: Span;
}

/** `tolower(proc.name)`; may nest. */
export interface Transform {
  readonly kind: 'transform';
  readonly fn: TransformerName;
  readonly arg: FieldRef | Transform;
  readonly span: Span;
}

export type FieldExpr = FieldRef | Transform;

/** A literal: quoted strings keep `quoted: true`; bare words and numbers are unquoted. */
export interface Literal {
  readonly kind: 'literal';
  readonly value: string;
  readonly quoted: boolean;
  readonly span: Span;
}

/** `(a, b, "c")` after list names are expanded: only literals remain. */
export interface LiteralList {
  readonly kind: 'list';
  readonly items: readonly Literal[];
  readonly span: Span;
}

/** The right-hand side `val(field)` / a field compared with a field. */
export interface FieldValue {
  readonly kind: 'fieldvalue';
  readonly field: FieldExpr;
  readonly span: Span;
}

export type Operand = Literal | LiteralList | FieldValue;

export type Expr =
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'not'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: FieldExpr; readonly right: Operand; readonly span: Span }
  | { readonly kind: 'exists'; readonly field: FieldExpr; readonly span: Span }
  /** A bare identifier before resolution: a macro name (or an error). */
  | { readonly kind: 'ref'; readonly name: string; readonly span: Span }
  /** A bare field used as a boolean (Falco allows e.g. `proc.is_exe_upper_layer`). */
  | { readonly kind: 'truthy'; readonly field: FieldExpr; readonly span: Span };
