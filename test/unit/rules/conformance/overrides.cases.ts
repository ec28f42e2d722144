import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { LOADER, execve, ruleFor, type Case } from './harness.js';

const base = ruleFor('evt.type = execve and proc.name = sh');

/** Issue bullet 4: override/append accept every key Falco's schema allows, capture and capture_duration included. */
export const overrideCases: Case[] = [
  {
    name: 'override capture: replace is accepted',
    upstream: LOADER('rule_override_capture_replace'),
    yaml: `${base}- rule: r\n  capture: true\n  override:\n    capture: replace\n`,
    verdict: 'load',
    check: (o) => {
      if (o.rules[0]!.capture !== true) throw new Error('capture not recorded');
    },
  },
  {
    name: 'override capture_duration: replace is accepted',
    upstream: LOADER('rule_override_capture_duration_replace'),
    yaml: `${base}- rule: r\n  capture_duration: 5000\n  override:\n    capture_duration: replace\n`,
    verdict: 'load',
    check: (o) => {
      if (o.rules[0]!.captureDurationMs !== 5000) throw new Error('capture_duration not recorded');
    },
  },
  {
    name: 'capture and capture_duration on a rule definition load',
    upstream: LOADER('rule_capture_duration'),
    yaml: ruleFor('evt.type = execve', '  capture: true\n  capture_duration: 1000\n'),
    verdict: 'load',
  },
  {
    name: 'capture_duration that is not a number fails',
    upstream: LOADER('rule_capture_duration_wrong_type'),
    yaml: ruleFor('evt.type = execve', '  capture_duration: soon\n'),
    verdict: 'fail',
    errors: [C.BAD_VALUE],
  },
  {
    name: 'capture that is not a boolean fails',
    upstream: LOADER('rule_capture_wrong_type'),
    yaml: ruleFor('evt.type = execve', '  capture: maybe\n'),
    verdict: 'fail',
  },
  {
    name: 'capture cannot be appended',
    upstream: LOADER('rule_incorrect_override_type'),
    yaml: `${base}- rule: r\n  capture: true\n  override:\n    capture: append\n`,
    verdict: 'fail',
    errors: [C.OVERRIDE],
  },
  {
    name: 'override warn_evttypes: replace is accepted',
    upstream: LOADER('override_replace_warn_evttypes'),
    yaml: `${ruleFor('proc.name = sh')}- rule: r\n  warn_evttypes: false\n  override:\n    warn_evttypes: replace\n`,
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
  },
  {
    name: 'override skip-if-unknown-filter: replace is accepted',
    upstream: LOADER('rule_with_skip_if_unknown_filter'),
    yaml: `${base}- rule: r\n  skip-if-unknown-filter: true\n  override:\n    skip-if-unknown-filter: replace\n`,
    verdict: 'load',
  },
  {
    name: 'override condition: append and output: append (tuning a rule)',
    upstream: LOADER('rule_override_append'),
    yaml: `${base}- rule: r\n  condition: and proc.pname = bash\n  output: parent=%proc.pname\n  override:\n    condition: append\n    output: append\n`,
    verdict: 'load',
    events: [
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'bash' }] }), match: true },
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'init' }] }), match: false },
    ],
    check: (o) => {
      if (o.rules[0]!.output !== 'o %proc.name parent=%proc.pname') throw new Error(o.rules[0]!.output);
    },
  },
  {
    name: 'override priority and enabled: replace',
    upstream: LOADER('rule_override_with_enabled'),
    yaml: `${base}- rule: r\n  priority: CRITICAL\n  enabled: false\n  override:\n    priority: replace\n    enabled: replace\n`,
    verdict: 'load',
    check: (o) => {
      if (o.rules[0]!.priority !== 'CRITICAL' || o.rules[0]!.state !== 'disabled_by_file') throw new Error(JSON.stringify(o.rules[0]));
    },
  },
  {
    name: 'append and replace in one override item',
    upstream: LOADER('rule_override_append_replace'),
    yaml: `${base}- rule: r\n  condition: and proc.pname = bash\n  priority: ERROR\n  override:\n    condition: append\n    priority: replace\n`,
    verdict: 'load',
    check: (o) => {
      if (o.rules[0]!.priority !== 'ERROR') throw new Error(o.rules[0]!.priority);
    },
  },
  {
    name: 'a key under override that the item does not define fails',
    upstream: LOADER('rule_override_without_field'),
    yaml: `${base}- rule: r\n  override:\n    condition: append\n`,
    verdict: 'fail',
    errors: [C.OVERRIDE],
  },
  {
    name: 'a key the item defines but override does not list fails',
    upstream: LOADER('rule_override_extra_field'),
    yaml: `${base}- rule: r\n  condition: and proc.pname = bash\n  priority: ERROR\n  override:\n    condition: append\n`,
    verdict: 'fail',
    errors: [C.OVERRIDE],
  },
  {
    name: 'append: true together with override fails',
    upstream: LOADER('rule_incorrect_append_override'),
    yaml: `${base}- rule: r\n  condition: and proc.pname = bash\n  append: true\n  override:\n    condition: append\n`,
    verdict: 'fail',
    errors: [C.OVERRIDE],
  },
  {
    name: 'overriding a rule never defined fails',
    upstream: LOADER('rule_override_append_before_rule_definition'),
    yaml: `- rule: r\n  condition: and proc.pname = bash\n  override:\n    condition: append\n${base}`,
    verdict: 'fail',
    errors: [C.NO_PREVIOUS],
  },
  {
    name: 'a failed override drops its rule: it never runs untuned',
    upstream: LOADER('rule_incorrect_override_type'),
    yaml: `${base}- rule: r\n  exceptions:\n    - name: e\n      fields: [proc.pname]\n      values: [[sshd]]\n  override:\n    exceptions: apend\n`,
    verdict: 'fail',
    errors: [C.OVERRIDE, C.DROPPED],
    check: (o) => {
      if (o.rules.length !== 0) throw new Error('the untuned rule must not load');
    },
  },
  {
    name: 'a failed list append drops the rules that use the list',
    upstream: LOADER('list_override_append_wrong_key'),
    yaml: `- list: allowed\n  items: [a]\n${ruleFor('evt.type = execve and not proc.name in (allowed)')}- list: allowed\n  items: [b]\n  override:\n    item: append\n`,
    verdict: 'fail',
    errors: [C.DROPPED],
    check: (o) => {
      if (o.rules.length !== 0) throw new Error('the untuned rule must not load');
    },
  },
  {
    name: 'list override: replace replaces the items',
    upstream: LOADER('list_override_replace_before_list_definition'),
    yaml: `- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: replace\n${ruleFor('evt.type = execve and proc.name in (l)')}`,
    verdict: 'load',
    events: [
      { event: execve('b'), match: true },
      { event: execve('a'), match: false },
    ],
  },
  {
    name: 'macro override: append extends the condition',
    upstream: LOADER('macro_override_append_after_macro_definition'),
    yaml: `- macro: m\n  condition: proc.name = a\n- macro: m\n  condition: or proc.name = b\n  override:\n    condition: append\n${ruleFor('evt.type = execve and m')}`,
    verdict: 'load',
    events: [
      { event: execve('b'), match: true },
      { event: execve('c'), match: false },
    ],
  },
  {
    name: 'deprecated append: true still appends, with a warning',
    upstream: LOADER('rule_append'),
    yaml: `${base}- rule: r\n  condition: and proc.pname = bash\n  append: true\n`,
    verdict: 'load',
    warnings: [C.DEPRECATED],
  },
  {
    name: 'an enabled-only item toggles a rule, with a deprecation warning',
    upstream: LOADER('rule_enabled_warning'),
    yaml: `${base}- rule: r\n  enabled: false\n`,
    verdict: 'load',
    warnings: [C.DEPRECATED],
    check: (o) => {
      if (o.rules[0]!.state !== 'disabled_by_file') throw new Error(String(o.rules[0]!.state));
    },
  },
  {
    name: 'an exception appended through override tunes the rule',
    upstream: LOADER('exceptions_condition'),
    yaml: `${base}- rule: r\n  exceptions:\n    - name: e\n      fields: [proc.pname]\n      values: [[sshd]]\n  override:\n    exceptions: append\n`,
    verdict: 'load',
    events: [
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'sshd' }] }), match: false },
      { event: execve('sh', { ancestors: [{ pid: 2, name: 'bash' }] }), match: true },
    ],
  },
];

overrideCases.push({
  name: 'a tuning file that is not YAML drops the rules it names rather than run them untuned',
  upstream: LOADER('rule_incorrect_override_type'),
  yaml: base,
  more: ['- rule: r\n  exceptions: [\n  override: {exceptions: append}\n'],
  verdict: 'fail',
  errors: [C.YAML, C.DROPPED],
  check: (o) => {
    if (o.rules.length !== 0) throw new Error('the untuned rule must not load');
  },
});

overrideCases.push({
  name: 'a list whose definition failed drops the rules naming it (not compared as a literal)',
  upstream: LOADER('list_override_append_wrong_key'),
  yaml: `- list: allowed\n  itmes: [a]\n${ruleFor('evt.type = execve and not proc.name in (allowed)')}`,
  verdict: 'fail',
  errors: [C.MISSING_KEY, C.DROPPED],
  check: (o) => {
    if (o.rules.length !== 0) throw new Error('the untuned rule must not load');
  },
});
