import type { Expr } from './ast.js';

/**
 * The loader's contract (rule loading never throws): every problem
 * is an Issue with a stable code and a location; the loader returns what did
 * load next to what did not.
 */
export interface Issue {
  /** Stable code, e.g. VIGIL_RULES_YAML, VIGIL_RULES_UNDEFINED_MACRO. */
  readonly code: string;
  readonly message: string;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** The item the issue is about: `rule "Name"`, `macro "name"`, `list "name"`. */
  readonly item?: string;
}

export type Priority =
  | 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFORMATIONAL' | 'DEBUG';

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A rule after lists, macros, overrides and exceptions are applied. */
export interface ResolvedRule {
  readonly name: string;
  readonly desc: string;
  /** The condition with macros expanded, list names inlined, exceptions and-ed in. */
  readonly condition: Expr;
  /** The condition as written, before expansion (for messages). */
  readonly conditionText: string;
  /** The expanded condition printed back as text (for tests and `rules validate -v`). */
  readonly expandedText: string;
  readonly output: string;
  readonly priority: Priority;
  readonly tags: readonly string[];
  readonly enabled: boolean;
  /** `syscall` (default) or `metrics`. */
  readonly source: string;
  /** vigil: the condition must hold this long before the rule fires (metrics rules). */
  readonly forMs?: number;
  /** vigil: at most one alert per key per period. */
  readonly throttle?: { readonly periodMs: number; readonly key: readonly string[] };
  readonly location: Location;
}

export interface LoadResult {
  readonly rules: readonly ResolvedRule[];
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** sha256 of every file read, in load order. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}
