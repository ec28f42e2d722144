import { VigilError } from '../core/errors.js';

/**
 * Stable issue codes of the rule front end (parser, loader, resolver) and
 * compiler, all of them, in this one place.
 * Rule loading never throws: every problem becomes an Issue
 * (rules/types.ts) carrying one of these codes, so scripts and tests can
 * match on the code while the message stays free to improve.
 */
export const RulesIssueCode = {
  /** A path could not be read (missing, permission, not a file/dir). */
  READ: 'VIGIL_RULES_READ',
  /** The file is not well-formed YAML. */
  YAML: 'VIGIL_RULES_YAML',
  /** Structure is wrong: the document is not a list, an item is not a mapping. */
  SCHEMA: 'VIGIL_RULES_SCHEMA',
  /** A top-level item is neither list, macro, rule nor a version requirement (warning). */
  UNKNOWN_ITEM: 'VIGIL_RULES_UNKNOWN_ITEM',
  /** A key that this kind of item does not know (warning). */
  UNKNOWN_KEY: 'VIGIL_RULES_UNKNOWN_KEY',
  /** A required key (condition, output, desc, priority, items...) is absent. */
  MISSING_KEY: 'VIGIL_RULES_MISSING_KEY',
  /** A value has the wrong type (tags not a list, enabled not a boolean...). */
  BAD_VALUE: 'VIGIL_RULES_BAD_VALUE',
  /** priority is not one of Falco's priorities. */
  BAD_PRIORITY: 'VIGIL_RULES_BAD_PRIORITY',
  /** `for:` or a throttle period is not a duration. */
  BAD_DURATION: 'VIGIL_RULES_BAD_DURATION',
  /** A condition is empty. */
  EMPTY_CONDITION: 'VIGIL_RULES_EMPTY_CONDITION',
  /** A condition does not parse. */
  CONDITION_SYNTAX: 'VIGIL_RULES_CONDITION_SYNTAX',
  /** A word in operator position is not an operator (`proc.name likes x`). */
  UNKNOWN_OPERATOR: 'VIGIL_RULES_UNKNOWN_OPERATOR',
  /** A bare identifier in a condition names no macro. */
  UNDEFINED_MACRO: 'VIGIL_RULES_UNDEFINED_MACRO',
  /** `in name` (without parentheses) names no list; it is taken as a literal (warning). */
  UNDEFINED_LIST: 'VIGIL_RULES_UNDEFINED_LIST',
  /** Macros that reference each other in a loop. */
  MACRO_CYCLE: 'VIGIL_RULES_MACRO_CYCLE',
  /** Lists that reference each other in a loop. No longer reported: with Falco's ordering a list sees only earlier lists. */
  LIST_CYCLE: 'VIGIL_RULES_LIST_CYCLE',
  /** A condition grows too large or too deep after macro expansion. */
  TOO_COMPLEX: 'VIGIL_RULES_TOO_COMPLEX',
  /** A rule uses a macro that itself failed to load. */
  BROKEN_DEPENDENCY: 'VIGIL_RULES_BROKEN_DEPENDENCY',
  /** append/override/enabled-only item for a name never defined before. */
  NO_PREVIOUS: 'VIGIL_RULES_NO_PREVIOUS',
  /** An override section that is malformed or inconsistent with the item. */
  OVERRIDE: 'VIGIL_RULES_OVERRIDE',
  /** An exception that is malformed (fields/comps/values shape, operator). */
  EXCEPTION: 'VIGIL_RULES_EXCEPTION',
  /** required_engine_version is unparsable or above this engine's version. */
  ENGINE_VERSION: 'VIGIL_RULES_ENGINE_VERSION',
  /** required_plugin_versions is malformed. */
  PLUGIN_VERSION: 'VIGIL_RULES_PLUGIN_VERSION',
  /** A rule uses fields this sensor cannot provide: loaded disabled (warning). */
  MISSING_FIELD: 'VIGIL_RULES_MISSING_FIELD',
  /** A rule's source is not one this sensor evaluates: loaded disabled (warning). */
  UNKNOWN_SOURCE: 'VIGIL_RULES_UNKNOWN_SOURCE',
  /** Deprecated but accepted syntax: `append: true`, enabled-only rule items (warning). */
  DEPRECATED: 'VIGIL_RULES_DEPRECATED',
  /** Rule input over a size limit (file bytes, total bytes, items, list expansion); checked before parsing. */
  TOO_LARGE: 'VIGIL_RULES_TOO_LARGE',
  /** A rule redefined with a different source. */
  SOURCE_MISMATCH: 'VIGIL_RULES_SOURCE_MISMATCH',
  /** A field name that is neither vigil's nor a known Falco/plugin field (a typo): error, with a suggestion. */
  UNKNOWN_FIELD: 'VIGIL_RULES_UNKNOWN_FIELD',
  /** An evt.type value libsinsp does not know (`execv`): error, with a suggestion. */
  UNKNOWN_EVENT_TYPE: 'VIGIL_RULES_UNKNOWN_EVENT_TYPE',
  /** A rule restricted to event types vigil never emits (or a source it does not evaluate): loaded disabled (warning). */
  NEVER_FIRES: 'VIGIL_RULES_NEVER_FIRES',
  /** Falco's LOAD_NO_EVTTYPE: a syscall rule with no evt.type restriction (warning). */
  NO_EVTTYPE: 'VIGIL_RULES_NO_EVTTYPE',
  /** Falco's LOAD_UNUSED_MACRO (warning). */
  UNUSED_MACRO: 'VIGIL_RULES_UNUSED_MACRO',
  /** Falco's LOAD_UNUSED_LIST (warning). */
  UNUSED_LIST: 'VIGIL_RULES_UNUSED_LIST',
  /** Falco's LOAD_INVALID_MACRO_NAME / LOAD_INVALID_LIST_NAME (warning). */
  INVALID_NAME: 'VIGIL_RULES_INVALID_NAME',
  /** A literal value that is a field name or transformer call (`proc.name = proc.pname`) (warning). */
  FIELD_AS_VALUE: 'VIGIL_RULES_FIELD_AS_VALUE',
  /** Falco's LOAD_UNSAFE_NA_CHECK: comparing with "<NA>" (warning). */
  UNSAFE_NA: 'VIGIL_RULES_UNSAFE_NA',
  /** Falco's deprecated fields (evt.dir, evt.latency*) in a condition or output (warning). */
  DEPRECATED_FIELD: 'VIGIL_RULES_DEPRECATED_FIELD',
  /** A rule dropped because an item that tuned it (override, append, redefinition) or that it uses failed. */
  DROPPED: 'VIGIL_RULES_DROPPED',
  /** An output field that is neither vigil's nor Falco's (`%proc.nmae`): error, with a suggestion. */
  UNKNOWN_OUTPUT_FIELD: 'VIGIL_RULES_UNKNOWN_OUTPUT_FIELD',
  /** A field argument (`proc.aname[x]`) is missing, unexpected or of the wrong kind. */
  BAD_FIELD_ARG: 'VIGIL_RULES_BAD_FIELD_ARG',
  /** An operator that does not apply to the field's type. */
  BAD_OPERATOR: 'VIGIL_RULES_BAD_OPERATOR',
  /** A regex that does not compile. */
  BAD_REGEX: 'VIGIL_RULES_BAD_REGEX',
  /** A transformer (tolower, len, b64...) unknown or applied to the wrong type. */
  BAD_TRANSFORMER: 'VIGIL_RULES_BAD_TRANSFORMER',
  /** An output names a field vigil does not provide (warning; printed as <NA>). */
  OUTPUT_FIELD: 'VIGIL_RULES_OUTPUT_FIELD',
  /** A throttle key that is not a field. */
  THROTTLE_KEY: 'VIGIL_RULES_THROTTLE_KEY',
  /** A rule that could not be compiled for another reason (a defect of ours; reported, not thrown). */
  COMPILE: 'VIGIL_RULES_COMPILE',
} as const;

export type RulesIssueCode = (typeof RulesIssueCode)[keyof typeof RulesIssueCode];

/** Rules the agent may not run: the files have errors and the policy is --rules-on-error fail. */
export class RulesRefusedError extends VigilError<'VIGIL_ERR_RULES_REFUSED'> {
  constructor(message: string) {
    super('VIGIL_ERR_RULES_REFUSED', message);
  }
}

/**
 * Thrown only by the CLI layer for usage errors; the loader itself never
 * throws and reports Issues instead.
 */
export class RulesUsageError extends VigilError<'VIGIL_ERR_RULES_USAGE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VIGIL_ERR_RULES_USAGE', message, options);
  }
}
