import { VigilError } from '../../core/errors.js';
import type { Span } from '../ast.js';
import type { RulesIssueCode } from '../errors.js';

/** A condition/output that cannot be compiled; the rule compiler turns it into an Issue with this code. */
export class CompileError extends VigilError<RulesIssueCode> {
  readonly span: Span | undefined;
  constructor(code: RulesIssueCode, message: string, span?: Span) {
    super(code, message);
    this.span = span;
  }
}
