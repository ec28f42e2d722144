import type { Expr, FieldExpr } from '../ast.js';
import { ConditionParser, type ParseIssue } from './parser.js';

export type { ParseIssue, ParseResult } from './parser.js';
export { COMPARE_OPS, LIST_COMPARE_OPS } from './parser.js';
export { readQuoted, quote, isBareSafe, fieldNameLength } from './scanner.js';
export { literalFromItem } from './item.js';

/** Parses a Falco condition. Never throws: problems come back as issues with an offset into `text`. */
export function parseCondition(text: string): { expr?: Expr; issues: ParseIssue[] } {
  return new ConditionParser(text).parse();
}

/** Parses one field expression (`proc.aname[2]`, `tolower(fd.name)`), as used by exceptions and throttle keys. */
export function parseField(text: string): { field?: FieldExpr; issues: ParseIssue[] } {
  return new ConditionParser(text).parseFieldOnly();
}
