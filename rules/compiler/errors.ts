import type { Span } from '../ast.js';

/** A condition/output that cannot be compiled; the rule compiler turns it into an Issue. */
export class CompileError extends Error {
  readonly code: string;
  readonly span: Span | undefined;
  constructor(code: string, message: string, span?: Span) {
    super(message);
    this.name = 'CompileError';
    this.code = code;
    this.span = span;
  }
}

export const CODES = {
  unknownField: 'VIGIL_RULES_UNKNOWN_FIELD',
  badFieldArg: 'VIGIL_RULES_BAD_FIELD_ARG',
  badOperator: 'VIGIL_RULES_BAD_OPERATOR',
  badValue: 'VIGIL_RULES_BAD_VALUE',
  badRegex: 'VIGIL_RULES_BAD_REGEX',
  badTransformer: 'VIGIL_RULES_BAD_TRANSFORMER',
  undefinedMacro: 'VIGIL_RULES_UNDEFINED_MACRO',
  outputField: 'VIGIL_RULES_OUTPUT_FIELD',
  throttleKey: 'VIGIL_RULES_THROTTLE_KEY',
} as const;
