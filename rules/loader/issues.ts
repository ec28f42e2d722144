import type { Issue, Location } from '../types.js';

/** Collects errors and warnings; the only way the front end reports problems. */
export class IssueSink {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];

  error(code: string, message: string, loc: Location, item?: string): void {
    this.errors.push(issue(code, message, loc, item));
  }

  warn(code: string, message: string, loc: Location, item?: string): void {
    this.warnings.push(issue(code, message, loc, item));
  }
}

function issue(code: string, message: string, loc: Location, item?: string): Issue {
  const base = { code, message, file: loc.file, line: Math.max(1, loc.line), col: Math.max(1, loc.col) };
  return item === undefined ? base : { ...base, item };
}

/** Thrown inside the reader to abandon one item; caught per item, never escapes the loader. */
export class ItemProblem {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly loc: Location,
  ) {}
}

export function itemLabel(kind: 'rule' | 'macro' | 'list', name: string): string {
  return `${kind} "${name}"`;
}
