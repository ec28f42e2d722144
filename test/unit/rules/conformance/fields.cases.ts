import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { FALCO, LIBS, LOADER, execve, ruleFor, type Case } from './harness.js';

const COMPILER = 'userspace/libsinsp/test/filter_compiler.ut.cpp';

/** Issue bullet 1: provided, Falco-but-not-vigil, and unknown fields. */
export const fieldCases: Case[] = [
  {
    name: 'a field vigil provides loads active and matches',
    upstream: LIBS(COMPILER, 'filter_simple_evaluation'),
    yaml: ruleFor('evt.type = execve and proc.name = bash'),
    verdict: 'load',
    events: [
      { event: execve('bash'), match: true },
      { event: execve('zsh'), match: false },
    ],
  },
  {
    name: 'a misspelled field (proc.nmae) is a load error with a suggestion',
    upstream: LIBS(COMPILER, 'operators_field_types_compatibility'),
    yaml: ruleFor('evt.type = execve and proc.nmae = bash'),
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
    check: (o) => {
      if (!o.errors[0]!.message.includes("did you mean 'proc.name'?")) throw new Error(o.errors[0]!.message);
      // the position of the field inside the condition (col 37: ruleFor quotes the condition), not the rule's first line
      if (o.errors[0]!.line !== 3 || o.errors[0]!.col !== 37) throw new Error(`${o.errors[0]!.line}:${o.errors[0]!.col}`);
    },
  },
  {
    name: 'an unknown field in a macro fails the rule that uses it, at the macro text',
    upstream: FALCO('unit_tests/engine/test_filter_macro_resolver.cpp', 'should_resolve_macros_on_a_filter_AST_nested_macros'),
    yaml: `- macro: m\n  condition: proc.nmae = bash\n${ruleFor('evt.type = execve and m')}`,
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
    check: (o) => {
      if (o.errors[0]!.line !== 2 || o.errors[0]!.item !== 'rule "r"') throw new Error(JSON.stringify(o.errors[0]));
    },
  },
  {
    name: 'an unused macro with an unknown field is not an error (Falco compiles macros inside rules)',
    upstream: LOADER('rule_loader unused macro (compile_macros_infos parses only)'),
    yaml: `- macro: m\n  condition: proc.nmae = bash\n${ruleFor('evt.type = execve')}`,
    verdict: 'load',
    warnings: [C.UNUSED_MACRO],
  },
  {
    name: 'a real Falco field vigil lacks (fd.cip.name) loads the rule disabled with a warning naming it',
    upstream: LIBS('userspace/libsinsp/test/filterchecks/fd.cpp', 'FD_FILTER_extract_from_null_type_filename'),
    yaml: ruleFor('evt.type = execve and fd.cip.name = example.com'),
    verdict: 'load',
    warnings: [C.MISSING_FIELD],
    check: (o) => {
      if (o.rules[0]!.state !== 'disabled_missing_fields') throw new Error(String(o.rules[0]!.state));
      if (!o.warnings.some((w) => w.message.includes('fd.cip.name'))) throw new Error('field not named');
    },
  },
  {
    name: 'evt.arg.NAME is the dotted form of evt.arg[NAME]: a provided field, the rule loads active',
    upstream: LIBS('userspace/libsinsp/test/filterchecks/evt/arg.cpp', 'EVT_FILTER_check_evt_arg_uid'),
    yaml: ruleFor('evt.type = execve and evt.arg.flags contains O_TMPFILE'),
    verdict: 'load',
    check: (o) => {
      if (o.rules[0]!.state !== 'active') throw new Error(String(o.rules[0]!.state));
    },
  },
  {
    name: 'a plugin field (k8smeta.svc.name) vigil lacks: disabled with a warning',
    upstream: FALCO('unit_tests/engine/test_plugin_requirements.cpp', 'check_plugin_requirements_success'),
    yaml: ruleFor('evt.type = execve and k8smeta.svc.name = web'),
    verdict: 'load',
    warnings: [C.MISSING_FIELD],
  },
  {
    name: 'a misspelled field in an exception of a tuning file (k8s.ns.nmae) is an error at the field',
    upstream: LOADER('exceptions_fields_transformer'),
    yaml: `${ruleFor('evt.type = execve')}- rule: r\n  exceptions:\n    - name: e\n      fields: [k8s.ns.nmae]\n      values: [[kube-system]]\n  override:\n    exceptions: append\n`,
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
    check: (o) => {
      if (!o.errors[0]!.message.includes("did you mean 'k8s.ns.name'?") || o.errors[0]!.line !== 9) throw new Error(JSON.stringify(o.errors[0]));
    },
  },
  {
    name: 'skip-if-unknown-filter turns an unknown field into a warning and skips the rule',
    upstream: LOADER('rule_with_skip_if_unknown_filter'),
    yaml: ruleFor('evt.type = execve and proc.nmae = bash', '  skip-if-unknown-filter: true\n'),
    verdict: 'load',
    warnings: [C.UNKNOWN_FIELD],
    check: (o) => {
      if (o.rules[0]!.enabled) throw new Error('skipped rule must not run');
    },
  },
  {
    name: 'an unknown field used with val() on the right-hand side is an error too',
    upstream: LIBS(COMPILER, 'filter_val_transformer'),
    yaml: ruleFor('evt.type = execve and proc.name = val(proc.pnmae)'),
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
  },
  {
    name: 'an unknown field inside a transformer is an error',
    upstream: LIBS(COMPILER, 'filter_transformers_combination'),
    yaml: ruleFor('evt.type = execve and tolower(proc.nmae) = bash'),
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
  },
  {
    name: 'a name far from every field gets no suggestion, still an error',
    upstream: LIBS(COMPILER, 'operators_field_types_compatibility'),
    yaml: ruleFor('evt.type = execve and zzz.qqq = 1'),
    verdict: 'fail',
    errors: [C.UNKNOWN_FIELD],
    check: (o) => {
      if (o.errors[0]!.message.includes('did you mean')) throw new Error(o.errors[0]!.message);
    },
  },
];
