import { RulesIssueCode as C } from '../../../../rules/errors.js';
import { LIBS, LOADER, connect, execve, ruleFor, type Case } from './harness.js';

const EVT = 'userspace/libsinsp/test/filterchecks/evt.cpp';
const CODES = 'userspace/libsinsp/test/filter_ppm_codes.ut.cpp';

/** Issue bullet 2: unknown evt.type values, rules on events vigil never emits, the counts. */
export const evtTypeCases: Case[] = [
  {
    name: 'evt.type = execv (no such event) is an error with a suggestion',
    upstream: LIBS(CODES, 'check_openat'),
    yaml: ruleFor('evt.type = execv'),
    verdict: 'fail',
    errors: [C.UNKNOWN_EVENT_TYPE],
    check: (o) => {
      if (!o.errors[0]!.message.includes("did you mean 'execve'?") || o.errors[0]!.col !== 26) throw new Error(JSON.stringify(o.errors[0]));
    },
  },
  {
    name: 'an unknown value inside evt.type in (...) is an error at that value',
    upstream: LIBS(CODES, 'check_openat_or_close'),
    yaml: ruleFor('evt.type in (execve, execveatt)'),
    verdict: 'fail',
    errors: [C.UNKNOWN_EVENT_TYPE],
  },
  {
    name: 'an unknown value brought in by a list is an error too',
    upstream: LIBS(CODES, 'check_openat_or_close'),
    yaml: `- list: types\n  items: [execve, nosuchevent]\n${ruleFor('evt.type in (types)')}`,
    verdict: 'fail',
    errors: [C.UNKNOWN_EVENT_TYPE],
  },
  {
    name: 'evt.type != with an unknown value is an error as well (libsinsp checks every comparison)',
    upstream: LIBS(CODES, 'check_all_events'),
    yaml: ruleFor('evt.type != opn and proc.name = x', '  warn_evttypes: false\n'),
    verdict: 'fail',
    errors: [C.UNKNOWN_EVENT_TYPE],
  },
  {
    name: 'a syscall vigil never emits (setns) loads the rule disabled as never firing',
    upstream: LIBS(CODES, 'check_openat'),
    yaml: ruleFor('evt.type = setns and proc.name = x'),
    verdict: 'load',
    warnings: [C.NEVER_FIRES],
    check: (o) => {
      if (o.rules[0]!.state !== 'disabled_never_fires') throw new Error(String(o.rules[0]!.state));
    },
  },
  {
    name: 'a rule on execve and a never-emitted type stays active (one of its types is emitted)',
    upstream: LIBS(CODES, 'check_openat_or_close'),
    yaml: ruleFor('evt.type in (execve, setns)'),
    verdict: 'load',
    noWarnings: [C.NEVER_FIRES],
    events: [{ event: execve('sh'), match: true }],
  },
  {
    name: 'contradicting evt.type checks: no type at all, never fires, and no evt.type warning',
    upstream: LOADER('no_evttype_warning_for_evt_type_contradiction'),
    yaml: ruleFor('evt.type = execve and evt.type = connect'),
    verdict: 'load',
    noWarnings: [C.NO_EVTTYPE],
    warnings: [C.NEVER_FIRES],
  },
  {
    name: 'a never-emitted rule disabled in the file counts as disabled by file',
    upstream: LOADER('rule_not_enabled'),
    yaml: ruleFor('evt.type = setns', '  enabled: false\n'),
    verdict: 'load',
    noWarnings: [C.NEVER_FIRES],
    check: (o) => {
      if (o.rules[0]!.state !== 'disabled_by_file') throw new Error(String(o.rules[0]!.state));
    },
  },
  {
    name: 'connect is emitted: the rule matches a connect event and not an execve',
    upstream: LIBS(EVT, 'EVT_FILTER_thread_proc_info'),
    yaml: ruleFor('evt.type = connect'),
    verdict: 'load',
    events: [
      { event: connect('10.0.0.1', 40000, '10.0.0.2', 443), match: true },
      { event: execve('sh'), match: false },
    ],
  },
  {
    name: 'a rule of a source vigil does not evaluate loads disabled (never fires) with a warning',
    upstream: LOADER('empty_source_addl_rule'),
    yaml: ruleFor('ka.verb = create', '  source: k8s_audit\n'),
    verdict: 'load',
    warnings: [C.UNKNOWN_SOURCE],
    check: (o) => {
      if (o.rules[0]!.state !== 'disabled_never_fires') throw new Error(String(o.rules[0]!.state));
    },
  },
];
