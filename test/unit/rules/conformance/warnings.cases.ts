import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { FALCO, LIBS, LOADER, ruleFor, type Case } from './harness.js';

const WARN = 'unit_tests/engine/test_filter_warning_resolver.cpp';
const COMPILER = 'userspace/libsinsp/test/filter_compiler.ut.cpp';
const exBase = (value: string): string =>
  `${ruleFor('evt.type = execve')}- rule: r\n  exceptions:\n    - name: e\n      fields: [proc.name]\n      comps: [=]\n      values:\n        - [${value}]\n  override:\n    exceptions: append\n`;

/** Issue bullet 4: Falco's warnings, with the same meaning. */
export const warningCases: Case[] = [
  {
    name: 'an unused list is a warning',
    upstream: LOADER('list_value_with_escaping'),
    yaml: '- list: my_list\n  items: [non_escaped_val, "escaped val"]\n',
    verdict: 'load',
    warnings: [C.UNUSED_LIST],
  },
  {
    name: 'an unused macro is a warning',
    upstream: LOADER('macro_name_invalid'),
    yaml: '- macro: unused_macro\n  condition: evt.type = close\n',
    verdict: 'load',
    warnings: [C.UNUSED_MACRO],
  },
  {
    name: 'a list used only by another list is used',
    upstream: LOADER('list_append'),
    yaml: `- list: a\n  items: [x]\n- list: b\n  items: [a]\n${ruleFor('evt.type = execve and proc.name in (b)')}`,
    verdict: 'load',
    noWarnings: [C.UNUSED_LIST],
  },
  {
    name: 'a macro used only by an unused macro counts as used; the outer one warns',
    upstream: FALCO('unit_tests/engine/test_filter_macro_resolver.cpp', 'should_resolve_macros_on_a_filter_AST_nested_macros'),
    yaml: '- macro: inner\n  condition: proc.name = a\n- macro: outer\n  condition: inner\n',
    verdict: 'load',
    warnings: [C.UNUSED_MACRO],
    check: (o) => {
      if (o.warnings.filter((w) => w.code === C.UNUSED_MACRO).length !== 1) throw new Error('only outer is unused');
    },
  },
  {
    name: 'an invalid macro name (test-macro) is a warning',
    upstream: LOADER('macro_name_invalid'),
    yaml: `- macro: test-macro\n  condition: evt.type = close\n`,
    verdict: 'load',
    warnings: [C.INVALID_NAME],
  },
  {
    name: 'an invalid list name (test list) is a warning',
    upstream: LOADER('list_name_invalid'),
    yaml: `- list: test list\n  items: [open, openat, openat2]\n${ruleFor('evt.type in (test list)', '  enabled: false\n')}`,
    verdict: 'load',
    warnings: [C.INVALID_NAME],
  },
  {
    name: 'a rule with no evt.type restriction warns',
    upstream: LOADER('evttype_warning_for_broad_condition'),
    yaml: ruleFor('proc.name = cat'),
    verdict: 'load',
    warnings: [C.NO_EVTTYPE],
  },
  {
    name: 'an evt.type restriction silences it',
    upstream: LOADER('no_evttype_warning_for_narrow_condition'),
    yaml: ruleFor('evt.type = execve'),
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
  },
  {
    name: 'warn_evttypes: false silences it',
    upstream: LOADER('evttype_warning_disabled_by_warn_evttypes'),
    yaml: ruleFor('proc.name = cat', '  warn_evttypes: false\n'),
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
  },
  {
    name: 'the never_true idiom (evt.num = 0) does not warn',
    upstream: LOADER('no_evttype_warning_for_never_true_macro'),
    yaml: `- macro: never_true\n  condition: (evt.num=0)\n- macro: user_known_activity\n  condition: (never_true)\n${ruleFor('evt.type = execve and not user_known_activity', '', 'anchored')}${ruleFor('never_true', '', 'placeholder_only')}`,
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
  },
  {
    name: 'an unsatisfiable evt.num = 0 alone does not warn',
    upstream: LOADER('no_evttype_warning_for_unsatisfiable_condition'),
    yaml: ruleFor('evt.num = 0'),
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
  },
  {
    name: 'evt.dir in a condition is deprecated (warning)',
    upstream: LOADER('deprecated_evt_dir_folded_scalar_condition_snippet'),
    yaml: ruleFor('evt.type = execve and evt.dir = <'),
    verdict: 'load',
    warnings: [C.DEPRECATED_FIELD],
  },
  {
    name: 'evt.dir through a macro is deprecated too',
    upstream: LOADER('deprecated_evt_dir_via_macro_folded_scalar_condition_snippet'),
    yaml: `- macro: spawned\n  condition: evt.type = execve and evt.dir = <\n${ruleFor('spawned')}`,
    verdict: 'load',
    warnings: [C.DEPRECATED_FIELD],
  },
  {
    name: 'evt.dir in an output is deprecated',
    upstream: LOADER('deprecated_field_in_output'),
    yaml: '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: dir %evt.dir\n  priority: WARNING\n',
    verdict: 'load',
    warnings: [C.DEPRECATED_FIELD],
  },
  {
    name: 'no deprecation warning without a deprecated field',
    upstream: LOADER('no_deprecated_field_warning_in_output'),
    yaml: '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: name %proc.name\n  priority: WARNING\n',
    verdict: 'load',
    noWarnings: [C.DEPRECATED_FIELD],
  },
  {
    name: 'an exception value that is a field name warns (may be a field misused as a string)',
    upstream: LOADER('exceptions_values_rhs_field_ambiguous'),
    yaml: exBase('proc.pname'),
    verdict: 'load',
    warnings: [C.FIELD_AS_VALUE],
  },
  {
    name: 'quoted, it still warns',
    upstream: LOADER('exceptions_values_rhs_field_ambiguous_quoted'),
    yaml: exBase('"proc.pname"'),
    verdict: 'load',
    warnings: [C.FIELD_AS_VALUE],
  },
  {
    name: 'with a trailing space, it still warns (spaces are ignored for the check)',
    upstream: LOADER('exceptions_values_rhs_field_ambiguous_space_quoted'),
    yaml: exBase('"proc.pname "'),
    verdict: 'load',
    warnings: [C.FIELD_AS_VALUE],
  },
  {
    name: 'a transformer call with a space as a value warns (may be a transformer misused as a string)',
    upstream: LOADER('exceptions_values_transformer_space'),
    yaml: exBase('"toupper( proc.pname)"'),
    verdict: 'load',
    warnings: [C.FIELD_AS_VALUE],
  },
  {
    name: 'a transformer on an exception field gives no warning',
    upstream: LOADER('exceptions_fields_transformer'),
    yaml: `${ruleFor('evt.type = execve')}- rule: r\n  exceptions:\n    - name: e\n      fields: [tolower(proc.name)]\n      comps: [=]\n      values:\n        - [test]\n  override:\n    exceptions: append\n`,
    verdict: 'load',
    noWarnings: [C.FIELD_AS_VALUE, C.UNKNOWN_FIELD],
  },
  {
    name: 'a condition value that is a field name warns',
    upstream: LIBS(COMPILER, 'compilation_warnings'),
    yaml: ruleFor('evt.type = execve and proc.name = proc.pname'),
    verdict: 'load',
    warnings: [C.FIELD_AS_VALUE],
  },
  {
    name: 'comparing a ka.* field with <NA> is unsafe (warning)',
    upstream: FALCO(WARN, 'warnings_in_filtering_conditions'),
    yaml: ruleFor('ka.user.name = "<NA>"', '  source: syscall\n'),
    verdict: 'load',
    warnings: [C.UNSAFE_NA],
  },
  {
    name: 'an unknown key in a rule is a warning',
    upstream: LOADER('rule_unknown_key'),
    yaml: ruleFor('evt.type = execve', '  unknown_key: x\n'),
    verdict: 'load',
    warnings: [C.UNKNOWN_KEY],
  },
  {
    name: 'an unknown key in a list is a warning',
    upstream: LOADER('list_unknown_key'),
    yaml: `- list: l\n  items: [a]\n  unknown_key: x\n${ruleFor('evt.type = execve and proc.name in (l)')}`,
    verdict: 'load',
    warnings: [C.UNKNOWN_KEY],
  },
  {
    name: 'an unknown key in a macro is a warning',
    upstream: LOADER('macro_unknown_key'),
    yaml: `- macro: m\n  condition: proc.name = a\n  unknown_key: x\n${ruleFor('evt.type = execve and m')}`,
    verdict: 'load',
    warnings: [C.UNKNOWN_KEY],
  },
];
