import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { FALCO, LIBS, LOADER, execve, ruleFor, type Case } from './harness.js';

const COMPILER = 'userspace/libsinsp/test/filter_compiler.ut.cpp';
const BAD_OP = 'VIGIL_RULES_BAD_OPERATOR';
const BAD_VALUE = 'VIGIL_RULES_BAD_VALUE';
const BAD_TRANSFORMER = 'VIGIL_RULES_BAD_TRANSFORMER';
const BAD_REGEX = 'VIGIL_RULES_BAD_REGEX';

/** Issue bullet 3: the full compile (types, transformers, outputs) decides load or fail. */
export const compileCases: Case[] = [
  {
    name: 'proc.pid contains 1: a string operator on a number field fails, at the comparison',
    upstream: LIBS(COMPILER, 'operators_field_types_compatibility'),
    yaml: ruleFor('evt.type = execve and proc.pid contains 1'),
    verdict: 'fail',
    errors: [BAD_OP],
    check: (o) => {
      if (o.errors[0]!.line !== 3 || o.errors[0]!.col !== 37) throw new Error(`${o.errors[0]!.line}:${o.errors[0]!.col}`);
    },
  },
  {
    name: 'a number field compared with a word fails',
    upstream: LIBS(COMPILER, 'filter_different_types'),
    yaml: ruleFor('evt.type = execve and proc.pid = abc'),
    verdict: 'fail',
    errors: [BAD_VALUE],
  },
  {
    name: 'numeric comparisons on a number field load and evaluate',
    upstream: LIBS('userspace/libsinsp/test/filter_op_numeric_compare.ut.cpp', 'signed_int_compare'),
    yaml: ruleFor('evt.type = execve and proc.pid > 50 and proc.pid <= 100'),
    verdict: 'load',
    events: [
      { event: execve('sh', { pid: 100 }), match: true },
      { event: execve('sh', { pid: 101 }), match: false },
      { event: execve('sh', { pid: 50 }), match: false },
    ],
  },
  {
    name: 'an invalid regex fails the load',
    upstream: LIBS(COMPILER, 'filter_regex_operator_evaluation'),
    yaml: ruleFor('evt.type = execve and proc.name regex "("'),
    verdict: 'fail',
    errors: [BAD_REGEX],
  },
  {
    name: 'toupper() of a number field fails (transformer input type)',
    upstream: LIBS(COMPILER, 'filter_transformers_wrong_input_type'),
    yaml: ruleFor('evt.type = execve and toupper(proc.pid) = 1'),
    verdict: 'fail',
    errors: [BAD_TRANSFORMER],
  },
  {
    name: 'tolower(proc.name) compares the lowered value',
    upstream: LIBS(COMPILER, 'filter_transformers_combination'),
    yaml: ruleFor('evt.type = execve and tolower(proc.name) = bash'),
    verdict: 'load',
    events: [
      { event: execve('BaSh'), match: true },
      { event: execve('zsh'), match: false },
    ],
  },
  {
    name: 'val() compares two fields of the event',
    upstream: LIBS(COMPILER, 'filter_val_transformer'),
    yaml: ruleFor('evt.type = execve and proc.name = val(proc.pname)'),
    verdict: 'load',
    events: [
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'sh' }] }), match: true },
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'bash' }] }), match: false },
    ],
  },
  {
    name: '%proc.nmae in the output fails, at its position inside the output, with a suggestion',
    upstream: FALCO('userspace/engine/rule_loader_compiler.cpp', 'compile_rule_infos: LOAD_ERR_COMPILE_OUTPUT (invalid formatting token)'),
    yaml: '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: shell %proc.nmae ran\n  priority: WARNING\n',
    verdict: 'fail',
    errors: [C.UNKNOWN_OUTPUT_FIELD],
    check: (o) => {
      if (o.errors[0]!.line !== 4 || o.errors[0]!.col !== 17 || !o.errors[0]!.message.includes("'proc.name'")) throw new Error(JSON.stringify(o.errors[0]));
    },
  },
  {
    name: 'a Falco output field vigil lacks prints <NA> with a warning; the rule loads',
    upstream: LOADER('deprecated_field_in_output'),
    yaml: '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: shell %user.loginname ran\n  priority: WARNING\n',
    verdict: 'load',
    warnings: ['VIGIL_RULES_OUTPUT_FIELD'],
  },
  {
    name: 'an output field misspelled in an output override (append) fails',
    upstream: LOADER('rule_override_append'),
    yaml: `${ruleFor('evt.type = execve')}- rule: r\n  output: parent=%proc.pnmae\n  override:\n    output: append\n`,
    verdict: 'fail',
    errors: [C.UNKNOWN_OUTPUT_FIELD],
    check: (o) => {
      if (o.errors[0]!.line !== 7) throw new Error(JSON.stringify(o.errors[0]));
    },
  },
  {
    name: 'a trailing dot after an output field ends the sentence, not the field',
    upstream: LIBS('userspace/libsinsp/test/filter_parser.ut.cpp', 'parse_str'),
    yaml: '- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: ran %proc.name.\n  priority: WARNING\n',
    verdict: 'load',
  },
  {
    name: 'a condition syntax error fails with the position of the problem',
    upstream: LIBS('userspace/libsinsp/test/filter_parser.ut.cpp', 'parse_smoke_test'),
    yaml: ruleFor('evt.type = execve and (proc.name = a'),
    verdict: 'fail',
    errors: [C.CONDITION_SYNTAX],
  },
  {
    name: 'an unknown operator fails',
    upstream: LIBS('userspace/libsinsp/test/filter_parser.ut.cpp', 'parse_operators'),
    yaml: ruleFor('evt.type = execve and proc.name likes a'),
    verdict: 'fail',
    errors: [C.UNKNOWN_OPERATOR],
  },
  {
    name: 'a list operand on a single-value operator fails',
    upstream: LIBS(COMPILER, 'supported_operators'),
    yaml: ruleFor('evt.type = execve and proc.name contains (a, b)'),
    verdict: 'fail',
  },
  {
    name: 'exists on a provided field loads and holds when the field is present',
    upstream: LIBS(COMPILER, 'boolean_evaluation'),
    yaml: ruleFor('evt.type = execve and proc.exepath exists'),
    verdict: 'load',
    events: [
      { event: execve('sh', { exepath: '/bin/sh' }), match: true },
      { event: execve('sh'), match: false },
    ],
  },
];

compileCases.push({
  name: 'a type error in a rule disabled by the file still fails (Falco compiles every rule)',
  upstream: LOADER('rule_not_enabled'),
  yaml: ruleFor('evt.type = execve and proc.pid contains 1', '  enabled: false\n'),
  verdict: 'fail',
  errors: [BAD_OP],
});

compileCases.push({
  name: 'every failing comparison of a rule is reported, each at its position',
  upstream: LIBS(COMPILER, 'operators_field_types_compatibility'),
  yaml: ruleFor('evt.type = execve and proc.pid contains 1 and proc.name = x and proc.ppid = abc'),
  verdict: 'fail',
  check: (o) => {
    const at = o.errors.map((e) => `${e.code}@${e.line}:${e.col}`);
    if (JSON.stringify(at) !== JSON.stringify([`${BAD_OP}@3:37`, `${BAD_VALUE}@3:91`])) throw new Error(JSON.stringify(at));
  },
});
