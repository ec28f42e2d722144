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

export type Priority = 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFORMATIONAL' | 'DEBUG';

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/**
 * Why a loaded rule does or does not run: `active`; `disabled_by_file`
 * (enabled: false); `disabled_missing_fields` (uses Falco fields vigil lacks,
 * or skip-if-unknown-filter met an unknown one); `disabled_never_fires`
 * (restricted to event types vigil never emits, or a source it does not evaluate).
 */
export type RuleState = 'active' | 'disabled_by_file' | 'disabled_missing_fields' | 'disabled_never_fires';

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
  /** state === 'active'. */
  readonly enabled: boolean;
  /** Absent means active when enabled, disabled_by_file when not. */
  readonly state?: RuleState;
  /** `syscall` (default) or `metrics`. */
  readonly source: string;
  /** vigil: the condition must hold this long before the rule fires (metrics rules). */
  readonly forMs?: number;
  /** vigil: at most one alert per key per period. */
  readonly throttle?: { readonly periodMs: number; readonly key: readonly string[] };
  readonly location: Location;
  /** Maps an offset of `conditionText` (spans of `condition` point there) to the file. */
  readonly locate?: (offset: number) => Location;
  /**
   * Disabled by the file, yet every field it uses is provided: the compiler
   * checks it anyway (Falco compiles every rule), so an error in a rule that
   * a later file enables does not wait until then.
   */
  readonly checkCompile?: boolean;
  /** Falco's capture / capture_duration (ms): accepted and recorded; vigil takes no captures. */
  readonly capture?: boolean;
  readonly captureDurationMs?: number;
}

export interface LoadResult {
  readonly rules: readonly ResolvedRule[];
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** Rules defined in the files that failed to load (errors, or a failed tuning item), with their source. */
  readonly refused?: readonly { readonly name: string; readonly source: string }[];
  /** sha256 of every file read, in load order. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}

/** What a field name is to this sensor: one it provides, a real Falco/plugin field it lacks, or neither (a typo). */
export type FieldKind = 'provided' | 'falco' | 'unknown';

/**
 * What the loader checks names against (rules/fields/catalog.ts is the
 * sensor's). Without one, every field counts as provided and every evt.type
 * as known, which keeps the loader usable on its own.
 */
export interface RuleCatalog {
  fieldKind(name: string, arg?: string): FieldKind;
  /** The closest known field name, for "did you mean". */
  suggestField(name: string): string | undefined;
  /** Whether libsinsp (or vigil) knows this evt.type value. */
  eventTypeKnown(type: string): boolean;
  suggestEventType(type: string): string | undefined;
  /** evt.type values the sensor emits: a rule restricted to none of them never fires. Absent: not checked. */
  readonly emittedEventTypes?: ReadonlySet<string>;
}
