import { LIBS, execve, ruleFor, type Case } from './harness.js';

const CONTAINS = LIBS('userspace/libsinsp/test/filter_op_contains.ut.cpp', 'contains_icontains');
const PMATCH = LIBS('userspace/libsinsp/test/filter_op_pmatch.ut.cpp', 'pmatch');
const SIMPLE = LIBS('userspace/libsinsp/test/filter_compiler.ut.cpp', 'filter_simple_evaluation');
const REGEX = LIBS('userspace/libsinsp/test/filter_compiler.ut.cpp', 'filter_regex_operator_evaluation');
const BOOL = LIBS('userspace/libsinsp/test/filter_compiler.ut.cpp', 'boolean_evaluation');
const ANAME = LIBS('userspace/libsinsp/test/filterchecks/proc.cpp', 'PROC_FILTER_aname');

const c = (cond: string, events: [ReturnType<typeof execve>, boolean][], name: string, upstream: Case['upstream']): Case => ({
  name,
  upstream,
  yaml: ruleFor(`evt.type = execve and ${cond}`),
  verdict: 'load',
  events: events.map(([event, match]) => ({ event, match })),
});
const ex = (exepath: string): ReturnType<typeof execve> => execve('sh', { exepath });

/** Operator semantics on one-ended fields, as libsinsp evaluates them. */
export const operatorCases: Case[] = [
  c(
    'proc.exepath contains bin',
    [
      [ex('/usr/bin/sh'), true],
      [ex('/opt/sh'), false],
    ],
    'contains is case sensitive',
    CONTAINS,
  ),
  c('proc.exepath icontains BIN', [[ex('/usr/bin/sh'), true]], 'icontains ignores case', CONTAINS),
  c(
    'proc.exepath startswith /usr',
    [
      [ex('/usr/bin/sh'), true],
      [ex('/bin/sh'), false],
    ],
    'startswith',
    SIMPLE,
  ),
  c(
    'proc.exepath endswith /sh',
    [
      [ex('/usr/bin/sh'), true],
      [ex('/usr/bin/bash'), false],
    ],
    'endswith',
    SIMPLE,
  ),
  c(
    'proc.exepath glob "/usr/*/sh"',
    [
      [ex('/usr/bin/sh'), true],
      [ex('/usr/bin/bash'), false],
    ],
    'glob',
    SIMPLE,
  ),
  c(
    'proc.exepath pmatch (/usr/bin, /opt)',
    [
      [ex('/usr/bin/sh'), true],
      [ex('/usr/binx/sh'), false],
      [ex('/opt'), true],
    ],
    'pmatch matches path prefixes on component boundaries',
    PMATCH,
  ),
  c(
    'proc.name in (sh, bash)',
    [
      [execve('bash'), true],
      [execve('zsh'), false],
    ],
    'in',
    SIMPLE,
  ),
  c(
    'proc.name != sh',
    [
      [execve('bash'), true],
      [execve('sh'), false],
    ],
    '!= on a one-ended field is the plain negation',
    SIMPLE,
  ),
  c(
    'proc.exepath regex "/usr/(s)?bin/.*"',
    [
      [ex('/usr/sbin/x'), true],
      [ex('/opt/usr/bin/x'), false],
    ],
    'regex must match the whole value (RE2 FullMatch)',
    REGEX,
  ),
  c(
    'not proc.name = sh',
    [
      [execve('sh'), false],
      [execve('bash'), true],
    ],
    'not',
    BOOL,
  ),
  c(
    '(proc.name = a or proc.name = b) and not proc.name = b',
    [
      [execve('a'), true],
      [execve('b'), false],
    ],
    'and binds tighter than or; parentheses group',
    BOOL,
  ),
  c('proc.exepath != /bin/sh', [[execve('sh'), false]], 'a missing field makes != false as well (extraction fails)', SIMPLE),
  c(
    'proc.aname = bash',
    [
      [
        execve('sh', {
          ancestors: [
            { pid: 2, name: 'init' },
            { pid: 3, name: 'bash' },
          ],
        } as never),
        true,
      ],
      [execve('sh', { ancestors: [{ pid: 2, name: 'init' }] } as never), false],
    ],
    'proc.aname without index matches any ancestor',
    ANAME,
  ),
];
