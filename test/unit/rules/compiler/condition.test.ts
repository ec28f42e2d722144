import { describe, expect, it } from 'vitest';
import { compileCondition, CompileError } from '../../../../rules/compiler/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { connect, connect6, execve, metric, parse } from './helpers.js';

const ev = (cond: string, e: VigilEvent): boolean => compileCondition(parse(cond), false)(e);
const err = (cond: string): string => {
  try {
    compileCondition(parse(cond), false);
  } catch (e) {
    if (e instanceof CompileError) return e.code;
    throw e;
  }
  return 'no error';
};

describe('string operators', () => {
  const cases: [string, boolean][] = [
    ['proc.name = bash', true],
    ['proc.name == bash', true],
    ['proc.name = sh', false],
    ['proc.name != sh', true],
    ['proc.name != bash', false],
    ['proc.cmdline = "bash -c id; Curl x"', true],
    ['proc.args contains "id;"', true],
    ['proc.args contains curl', false],
    ['proc.args icontains CURL', true],
    ['proc.args icontains wget', false],
    ['proc.exepath startswith /usr/', true],
    ['proc.exepath startswith /bin/', false],
    ['proc.exepath endswith /bash', true],
    ['proc.exepath endswith /sh', false],
    ['proc.exepath glob "/usr/*/ba?h"', true],
    ['proc.exepath glob "/usr/*/z*"', false],
    ['proc.exepath glob "/u[st]r/bin/[!x]ash"', true],
    ['proc.exepath glob "*bash"', true],
    ['proc.name iglob "BA*"', true],
    ['proc.name glob "BA*"', false],
    ['proc.exepath regex "/usr/bin/(ba|z)sh"', true],
    ['proc.exepath regex "bin/bash"', false],
    ['proc.exepath pmatch (/usr/bin, /opt)', true],
    ['proc.exepath pmatch (/usr/bi)', false],
    ['proc.exepath pmatch (/usr/*/bash)', true],
    ['proc.exepath pmatch (/)', true],
    ['proc.name in (sh, bash, zsh)', true],
    ['proc.name in (sh, zsh)', false],
    ['proc.name intersects (bash)', true],
    ['proc.name bcontains 6173', true],
    ['proc.name bstartswith 6261', true],
    ['proc.name bstartswith 6173', false],
  ];
  it.each(cases)('%s -> %s', (c, want) => expect(ev(c, execve)).toBe(want));
});

describe('number, bool and list fields', () => {
  const cases: [string, VigilEvent, boolean][] = [
    ['proc.pid = 4242', execve, true],
    ['proc.pid != 4242', execve, false],
    ['proc.pid > 4000', execve, true],
    ['proc.pid >= 4242', execve, true],
    ['proc.pid < 4242', execve, false],
    ['proc.pid <= 4242', execve, true],
    ['proc.vpid in (1, 7)', execve, true],
    ['proc.tty != 0', execve, true],
    ['proc.pid = 0x1092', execve, true],
    ['container.privileged = true', execve, true],
    ['container.privileged = false', execve, false],
    ['container.privileged != false', execve, true],
    ['k8s.pod.labels in ("app:web", "x:y")', execve, true],
    ['container.labels in ("app:web")', execve, false],
    ['container.labels intersects ("app:web")', execve, true],
    ['container.labels intersects (x)', execve, false],
    ['container.label[tier] = front', execve, true],
    ['k8s.pod.label[app] = web', execve, true],
    ['fd.sport = 443', connect, true],
    ['fd.rport in (80, 443)', connect, true],
    ['fd.port = 40000', connect, true],
    ['fs.used_ratio > 0.9', metric({ 'fs.used_ratio': 0.95 }, { mountpoint: '/' }, 0), true],
    ['metric.value[fs.used_ratio] > 0.9', metric({ 'fs.used_ratio': 0.5 }, {}, 0), false],
    ['fs.mountpoint = /var', metric({}, { mountpoint: '/var' }, 0), true],
    ['fs.readonly = true', metric({ 'fs.readonly': 1 }, {}, 0), true],
  ];
  it.each(cases)('%s', (c, e, want) => expect(ev(c, e)).toBe(want));
});

describe('ip addresses and CIDR', () => {
  const cases: [string, VigilEvent, boolean][] = [
    ['fd.sip = 10.1.2.3', connect, true],
    ['fd.sip = "10.1.2.4"', connect, false],
    ['fd.sip != 10.1.2.4', connect, true],
    ['fd.sip in (10.0.0.0/8, 192.168.0.0/16)', connect, true],
    ['fd.snet = "10.0.0.0/8"', connect, true],
    ['fd.snet = "10.1.2.0/30"', connect, true],
    ['fd.snet = "10.1.2.4/30"', connect, false],
    ['fd.cnet = "172.16.0.0/12"', connect, true],
    ['fd.rnet = "172.16.0.0/12"', connect, false],
    ['fd.lnet = "172.17.0.0/16"', connect, true],
    ['fd.net = "172.16.0.0/12"', connect, true],
    ['fd.net = "10.0.0.0/8"', connect, true],
    ['fd.net = "192.168.0.0/16"', connect, false],
    ['fd.snet in ("0.0.0.0/0")', connect, true],
    ['fd.snet = "2001:db8::/32"', connect6, true],
    ['fd.snet = "2001:db9::/32"', connect6, false],
    ['fd.cnet = "192.168.0.0/16"', connect6, true], // IPv4-mapped address
    ['fd.sip = "2001:0db8:0:0:0:0:0:1"', connect6, true],
    ['fd.snet = "10.0.0.0/8"', connect6, false],
    ['fd.ip = 172.17.0.2', connect, true],
  ];
  it.each(cases)('%s', (c, e, want) => expect(ev(c, e)).toBe(want));
});

describe('transformers and field values', () => {
  const cases: [string, boolean][] = [
    ['tolower(proc.args) contains curl', true],
    ['toupper(proc.name) = BASH', true],
    ['basename(proc.exepath) = bash', true],
    ['len(proc.name) = 4', true],
    ['len(proc.name) > 4', false],
    ['len(container.labels) = 2', true],
    ['tolower(toupper(proc.name)) = bash', true],
    ['proc.name = val(proc.pname)', false],
    ['proc.name != val(proc.pname)', true],
    ['proc.exepath endswith val(proc.name)', true],
    ['proc.pid > val(proc.ppid)', true],
    ['proc.args contains val(proc.name)', false],
  ];
  it.each(cases)('%s', (c, want) => expect(ev(c, execve)).toBe(want));
  it('b64 decodes', () => {
    const e: VigilEvent = { ...execve, proc: { ...execve.proc!, args: [Buffer.from('curl evil').toString('base64')] } };
    expect(ev('b64(proc.args) startswith curl', e)).toBe(true);
  });
});

describe('ancestors', () => {
  const cases: [string, boolean][] = [
    ['proc.aname[0] = bash', true],
    ['proc.aname[1] = sshd', true],
    ['proc.aname[2] = systemd', true],
    ['proc.aname[3] = x', false],
    ['proc.aname = sshd', true],
    ['proc.aname = systemd', true],
    ['proc.aname = bash', false], // self is not an ancestor
    ['proc.aname in (systemd, init)', true],
    ['proc.aname startswith sys', true],
    ['proc.aname in (init)', false],
    ['proc.apid[1] = 4000', true],
    ['proc.apid = 1', true],
    ['proc.apid = 2', false],
    ['proc.aexepath[2] = /usr/lib/systemd/systemd', true],
    ['proc.pname = sshd', true],
    ['proc.pexe = sshd', true],
    ['proc.pcmdline = "sshd -D"', true],
    ['proc.ppid = 4000', true],
    ['proc.aname exists', true],
  ];
  it.each(cases)('%s', (c, want) => expect(ev(c, execve)).toBe(want));
});

describe('missing fields (Falco: the comparison is false, not of it true)', () => {
  const bare: VigilEvent = { type: 'execve', source: 'syscall', timeMs: 0, proc: { pid: 1, name: 'x' } };
  const cases: [string, boolean][] = [
    ['proc.exepath = /bin/x', false],
    ['proc.exepath != /bin/x', false],
    ['not proc.exepath = /bin/x', true],
    ['not proc.exepath != /bin/x', true],
    ['proc.exepath exists', false],
    ['not proc.exepath exists', true],
    ['proc.pname in (a, b)', false],
    ['not proc.pname in (a, b)', true],
    ['proc.aname = a', false],
    ['proc.tty > 0', false],
    ['proc.tty = 0', false],
    ['fd.snet = "0.0.0.0/0"', false],
    ['fd.sip != 1.2.3.4', false],
    ['k8s.ns.name exists', false],
    ['container.id = host', true],
    ['container.name = host', true],
    ['container.labels intersects (a)', false],
    ['tolower(proc.cwd) = x', false],
    ['len(proc.cwd) = 0', false],
    ['proc.name = val(proc.pname)', false],
    ['proc.name exists', true],
  ];
  it.each(cases)('%s -> %s', (c, want) => expect(ev(c, bare)).toBe(want));
});

describe('type errors are compile errors', () => {
  const cases: [string, string][] = [
    ['proc.pid = abc', 'VIGIL_RULES_BAD_VALUE'],
    ['proc.pid contains 1', 'VIGIL_RULES_BAD_OPERATOR'],
    ['container.privileged = yes', 'VIGIL_RULES_BAD_VALUE'],
    ['container.privileged > 1', 'VIGIL_RULES_BAD_OPERATOR'],
    ['fd.snet = "10.0.0.0/33"', 'VIGIL_RULES_BAD_VALUE'],
    ['fd.sip = nope', 'VIGIL_RULES_BAD_VALUE'],
    ['proc.name regex "a("', 'VIGIL_RULES_BAD_REGEX'],
    ['no.such.field = 1', 'VIGIL_RULES_UNKNOWN_FIELD'],
    ['proc.aname[x] = a', 'VIGIL_RULES_BAD_FIELD_ARG'],
    ['proc.name[1] = a', 'VIGIL_RULES_BAD_FIELD_ARG'],
    ['k8s.pod.label = a', 'VIGIL_RULES_BAD_FIELD_ARG'],
    ['tolower(proc.pid) = 1', 'VIGIL_RULES_BAD_TRANSFORMER'],
    ['container.labels = a', 'VIGIL_RULES_BAD_OPERATOR'],
    ['proc.name = val(proc.pid)', 'VIGIL_RULES_BAD_VALUE'],
    ['proc.name bcontains zz', 'VIGIL_RULES_BAD_VALUE'],
    ['some_macro and proc.name = a', 'VIGIL_RULES_UNDEFINED_MACRO'],
  ];
  it.each(cases)('%s -> %s', (c, code) => expect(err(c)).toBe(code));
});

describe('hand-built shapes the parser does not produce from text', () => {
  const span = { start: 0, end: 1 };
  const field = (name: string) => ({ kind: 'field' as const, name, span });
  const lit = (value: string) => ({ kind: 'literal' as const, value, quoted: false, span });
  it('a bare bool field is a condition; a bare string field is an error', () => {
    expect(compileCondition({ kind: 'truthy', field: field('container.privileged'), span }, false)(execve)).toBe(true);
    expect(compileCondition({ kind: 'truthy', field: field('proc.is_exe_upper_layer'), span }, false)(execve)).toBe(false);
    expect(() => compileCondition({ kind: 'truthy', field: field('proc.name'), span }, false)).toThrow(CompileError);
  });
  it('string ordering compares lexically', () => {
    const cmp = (op: '<' | '>') => compileCondition({ kind: 'compare', op, left: field('proc.name'), right: lit('c'), span }, false)(execve);
    expect(cmp('<')).toBe(true);
    expect(cmp('>')).toBe(false);
  });
  it('a list for a single-value operator is an error', () => {
    expect(() => compileCondition({ kind: 'compare', op: 'contains', left: field('proc.name'), right: { kind: 'list', items: [lit('a'), lit('b')], span }, span }, false)).toThrow(/takes one value/);
  });
  it('an unknown transformer is an error', () => {
    expect(() => compileCondition({ kind: 'compare', op: '=', left: { kind: 'transform', fn: 'rot13' as 'b64', arg: field('proc.name'), span }, right: lit('x'), span }, false)).toThrow(
      /unknown transformer/,
    );
  });
});
