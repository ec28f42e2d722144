import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { FALCO, LOADER, execve, ruleFor, type Case, type Outcome } from './harness.js';

const COMPILER = FALCO('userspace/engine/rule_loader_compiler.cpp', 'compile_list_infos / compile_macros_infos (visibility)');
const MACROS = 'unit_tests/engine/test_filter_macro_resolver.cpp';

const items = (o: Outcome): string[] => {
  const c = o.rules[0]!.condition;
  if (c.kind !== 'compare' || c.right.kind !== 'list') throw new Error('list expected');
  return c.right.items.map((i) => i.value);
};
const expectItems =
  (want: string[]) =>
  (o: Outcome): void => {
    const got = items(o);
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`got ${JSON.stringify(got)}`);
  };

/** Issue bullet 4: list and macro resolution order follows Falco. */
export const orderingCases: Case[] = [
  {
    name: 'a list item naming an earlier list is replaced by its items',
    upstream: LOADER('list_append'),
    yaml: `- list: a\n  items: [x, y]\n- list: b\n  items: [a, z]\n${ruleFor('proc.name in (b)', '  warn_evttypes: false\n')}`,
    verdict: 'load',
    check: expectItems(['x', 'y', 'z']),
  },
  {
    name: 'a list item naming a later list stays literal in the list (the condition pass then replaces the later list)',
    upstream: COMPILER,
    yaml: `- list: b\n  items: [a, z]\n- list: a\n  items: [x]\n${ruleFor('proc.name in (b)', '  warn_evttypes: false\n')}`,
    verdict: 'load',
    check: expectItems(['x', 'z']),
  },
  {
    name: 'lists nest one level: a list three deep keeps the innermost name literal',
    upstream: COMPILER,
    yaml: `- list: a\n  items: [x]\n- list: b\n  items: [a]\n- list: c\n  items: [b]\n${ruleFor('proc.name in (c)', '  warn_evttypes: false\n')}`,
    verdict: 'load',
    check: expectItems(['a']),
  },
  {
    name: 'an appended list sees lists defined before the append',
    upstream: LOADER('list_override_append_after_list_definition'),
    yaml: `- list: b\n  items: [z]\n- list: a\n  items: [x]\n- list: b\n  items: [a]\n  override:\n    items: append\n${ruleFor('proc.name in (b)', '  warn_evttypes: false\n')}`,
    verdict: 'load',
    check: expectItems(['z', 'x']),
  },
  {
    name: 'quoted list items never name a list',
    upstream: LOADER('list_value_with_escaping'),
    yaml: `- list: a\n  items: [x]\n- list: b\n  items: ['"a"', plain]\n${ruleFor('proc.name in (b)', '  warn_evttypes: false\n')}`,
    verdict: 'load',
    check: expectItems(['a', 'plain']),
  },
  {
    name: 'a list name with spaces parses and expands in a condition',
    upstream: LOADER('list_name_invalid'),
    yaml: `- list: test list\n  items: [execve, execveat]\n${ruleFor('evt.type in (test list)')}`,
    verdict: 'load',
    warnings: [C.INVALID_NAME],
    events: [{ event: execve('sh'), match: true }],
  },
  {
    name: 'a macro using an earlier macro loads',
    upstream: FALCO(MACROS, 'should_resolve_macros_on_a_filter_AST_nested_macros'),
    yaml: `- macro: a\n  condition: proc.name = sh\n- macro: b\n  condition: evt.type = execve and a\n${ruleFor('b')}`,
    verdict: 'load',
    events: [
      { event: execve('sh'), match: true },
      { event: execve('bash'), match: false },
    ],
  },
  {
    name: 'a macro using a later macro fails (undefined macro)',
    upstream: FALCO(MACROS, 'should_find_unknown_nested_macros'),
    yaml: `- macro: b\n  condition: evt.type = execve and a\n- macro: a\n  condition: proc.name = sh\n${ruleFor('b')}`,
    verdict: 'fail',
    errors: [C.UNDEFINED_MACRO],
  },
  {
    name: 'a macro using a later macro fails even when no rule uses it',
    upstream: FALCO(MACROS, 'should_find_unknown_macros'),
    yaml: `- macro: b\n  condition: a\n- macro: a\n  condition: proc.name = sh\n`,
    verdict: 'fail',
    errors: [C.UNDEFINED_MACRO],
  },
  {
    name: 'a rule sees every macro, including ones defined after it',
    upstream: LOADER('macro_override_append_after_macro_definition'),
    yaml: `${ruleFor('evt.type = execve and a')}- macro: a\n  condition: proc.name = sh\n`,
    verdict: 'load',
    events: [{ event: execve('sh'), match: true }],
  },
  {
    name: 'a macro appended after a later macro was defined may use it',
    upstream: LOADER('macro_append_after_macro_definition'),
    yaml: `- macro: b\n  condition: evt.type = execve\n- macro: a\n  condition: proc.name = sh\n- macro: b\n  condition: and a\n  override:\n    condition: append\n${ruleFor('b')}`,
    verdict: 'load',
    events: [
      { event: execve('sh'), match: true },
      { event: execve('zsh'), match: false },
    ],
  },
  {
    name: 'an undefined macro in a rule fails at the reference',
    upstream: FALCO(MACROS, 'should_find_unknown_macros'),
    yaml: ruleFor('evt.type = execve and nosuch'),
    verdict: 'fail',
    errors: [C.UNDEFINED_MACRO],
  },
];
