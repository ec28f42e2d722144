import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../../rules/alert.js';
import { compileRuleSet } from '../../../../rules/compiler/index.js';
import { createRuleEngine } from '../../../../rules/engine/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { connect, execve, load, metric, rule } from '../compiler/helpers.js';
import { metricValue } from '../../../helpers/deps.js';

function setup(rules: Parameters<typeof load>, ruleMatching: 'first' | 'all' = 'all') {
  const registry = new Registry();
  const alerts: Alert[] = [];
  const engine = createRuleEngine({ registry, hostname: 'test-host' }, (a) => alerts.push(a));
  const { ruleSet, issues } = compileRuleSet(load(...rules), { ruleMatching });
  engine.swap(ruleSet);
  return { engine, alerts, registry, issues, ruleSet };
}

describe('evt.type index', () => {
  it('never evaluates an execve rule on connect', () => {
    const { engine, ruleSet } = setup([
      rule('exec', 'evt.type = execve and proc.name = bash'),
      rule('exec2', 'evt.type in (execve, execveat) and (proc.name = sh or proc.name = bash)'),
      rule('net', 'evt.type = connect and fd.sport = 443'),
      rule('nested', '(evt.type = execve and proc.name = a) or (evt.type = dup and proc.name = b)'),
      rule('any', 'proc.name = curl'),
      rule('negated', 'not evt.type = execve and proc.name = curl'),
    ]);
    const names = (t: string) => ruleSet.candidates('syscall', t).map((r) => r.name);
    expect(names('connect')).toEqual(['net', 'any', 'negated']);
    expect(names('execve')).toEqual(['exec', 'exec2', 'nested', 'any', 'negated']);
    expect(names('dup')).toEqual(['nested', 'any', 'negated']);
    expect(names('somethingelse')).toEqual(['any', 'negated']);
    expect(ruleSet.candidates('metrics', 'metric')).toEqual([]);
    engine.process(connect);
    expect(engine.evaluations).toBe(3);
  });

  it('dropping implied evt.type tests keeps results right', () => {
    const { engine, alerts } = setup([rule('exec', 'evt.type = execve and proc.name = bash')]);
    engine.process(execve);
    engine.process({ ...execve, type: 'procexit' });
    expect(alerts.map((a) => a.rule)).toEqual(['exec']);
  });
});

describe('matching mode', () => {
  const rules = () => [rule('A', 'proc.name = bash'), rule('B', 'proc.pid = 4242'), rule('C', 'proc.name = nope')];
  it('first stops at the first matching rule in file order', () => {
    const { engine, alerts } = setup(rules(), 'first');
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['A']);
  });
  it('all reports every matching rule', () => {
    const { engine, alerts } = setup(rules(), 'all');
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['A', 'B']);
  });
});

describe('alerts', () => {
  it('has the Falco JSON shape, formatted output and output_fields', async () => {
    const { engine, alerts, registry } = setup([
      rule('Shell', 'evt.type = execve and proc.name = bash', {
        output: 'Shell in %container.name (cmd=%proc.cmdline parent=%proc.aname[1] gp=%(proc.aname[2]) tag=%container.image.tag x=%fd.sip user=%user.name.',
        priority: 'NOTICE',
        tags: ['shell', 'mitre_execution'],
      }),
    ]);
    engine.process(execve);
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({
      time: '2023-11-14T22:13:20.123500000Z',
      rule: 'Shell',
      priority: 'Notice',
      hostname: 'node-1',
      source: 'syscall',
      tags: ['shell', 'mitre_execution'],
    });
    expect(a.output).toBe('22:13:20.123500000: Notice Shell in web (cmd=bash -c id; Curl x parent=sshd gp=systemd tag=1.25 x=<NA> user=root.');
    expect(a.output_fields).toEqual({
      'container.name': 'web',
      'proc.cmdline': 'bash -c id; Curl x',
      'proc.aname[1]': 'sshd',
      'proc.aname[2]': 'systemd',
      'container.image.tag': '1.25',
      'fd.sip': null,
      'user.name': 'root',
      'container.id': '0123456789ab',
      'k8s.ns.name': 'prod',
      'k8s.pod.name': 'web-7d9f-abcde',
    });
    expect(await metricValue(registry, 'vigil_alerts_total', { rule: 'Shell', priority: 'Notice' })).toBe(1);
    expect(await metricValue(registry, 'vigil_events_total', { type: 'execve' })).toBe(1);
  });

  it('uses the engine hostname when the event has none, and null k8s fields on the host', () => {
    const { engine, alerts } = setup([rule('net', 'fd.sport = 443')]);
    engine.process(connect);
    expect(alerts[0]!.hostname).toBe('test-host');
    expect(alerts[0]!.output_fields).toMatchObject({ 'container.id': 'host', 'k8s.ns.name': null, 'k8s.pod.name': null });
  });
});

describe('compile errors', () => {
  it('disable only the broken rule, with an issue located at it', async () => {
    const { engine, alerts, issues, ruleSet, registry } = setup([
      rule('bad', 'proc.pid = abc', { location: { file: 'r.yaml', line: 7, col: 3 } }),
      rule('bad-regex', 'proc.name regex "("'),
      rule('good', 'proc.name = bash'),
      rule('off', 'proc.name = bash', { enabled: false }),
    ]);
    expect(issues.map((i) => [i.code, i.file, i.line, i.col, i.item])).toEqual([
      ['VIGIL_RULES_BAD_VALUE', 'r.yaml', 7, 3, 'rule "bad"'],
      ['VIGIL_RULES_BAD_REGEX', 'rules.yaml', 1, 3, 'rule "bad-regex"'],
    ]);
    expect(issues[0]!.message).toContain('abc');
    expect(ruleSet.rules.map((r) => r.name)).toEqual(['good']);
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['good']);
    expect(await metricValue(registry, 'vigil_rules_loaded', { source: 'syscall', state: 'active' })).toBe(1);
    expect(await metricValue(registry, 'vigil_rules_loaded', { source: 'syscall', state: 'dropped' })).toBe(2);
    expect(await metricValue(registry, 'vigil_rules_loaded', { source: 'syscall', state: 'disabled_by_file' })).toBe(1);
  });
});

describe('throttle', () => {
  it('one alert per key per period, suppressed count on the next alert', async () => {
    const { engine, alerts, registry } = setup([
      rule('T', 'evt.type = execve', {
        throttle: { periodMs: 60_000, key: ['container.id', 'proc.name'] },
      }),
    ]);
    const at = (t: number, name = 'bash'): VigilEvent => ({ ...execve, timeMs: t, proc: { ...execve.proc!, name } });
    engine.process(at(0)); // alert, suppressed 0
    engine.process(at(1_000)); // suppressed
    engine.process(at(2_000)); // suppressed
    engine.process(at(3_000, 'sh')); // other key: alert
    engine.process(at(59_999)); // suppressed
    engine.process(at(60_000)); // window over: alert with 3 suppressed
    engine.process(at(61_000)); // suppressed
    expect(alerts.map((a) => [a.output_fields['proc.name'], a.output_fields['vigil.suppressed']])).toEqual([
      ['bash', 0],
      ['sh', 0],
      ['bash', 3],
    ]);
    expect(alerts).toHaveLength(3);
    expect(alerts[1]!.output).toContain('proc=sh');
    expect(alerts[2]!.output_fields['vigil.suppressed']).toBe(3);
    expect(await metricValue(registry, 'vigil_alerts_suppressed_total', { rule: 'T' })).toBe(4);
  });
});

describe('for: (metrics rules)', () => {
  const r = () =>
    rule('Disk filling', 'fs.used_ratio > 0.9', {
      source: 'metrics',
      forMs: 60_000,
      output: 'disk %fs.mountpoint at %fs.used_ratio',
    });
  const sample = (t: number, used: number, mp = '/') => metric({ 'fs.used_ratio': used }, { mountpoint: mp, device: '/dev/sda1' }, t);

  it('fires once the condition has held for the period, per subject, and resets when false', () => {
    const { engine, alerts } = setup([r()]);
    engine.process(sample(0, 0.95));
    engine.process(sample(30_000, 0.96));
    engine.process(sample(0, 0.99, '/var'));
    expect(alerts).toHaveLength(0);
    engine.process(sample(60_000, 0.97)); // held 60 s: fires
    expect(alerts.map((a) => a.output_fields['fs.mountpoint'])).toEqual(['/']);
    expect(alerts[0]!.source).toBe('metrics');
    engine.process(sample(70_000, 0.97)); // same episode: no repeat
    expect(alerts).toHaveLength(1);
    engine.process(sample(80_000, 0.5)); // reset
    engine.process(sample(90_000, 0.95));
    engine.process(sample(140_000, 0.95)); // only 50 s since the reset
    expect(alerts).toHaveLength(1);
    engine.process(sample(150_000, 0.95));
    expect(alerts).toHaveLength(2);
    engine.process(sample(60_000, 0.99, '/var')); // /var held since 0
    expect(alerts.map((a) => a.output_fields['fs.mountpoint'])).toEqual(['/', '/', '/var']);
  });

  it('a false sample in between resets the hold', () => {
    const { engine, alerts } = setup([r()]);
    engine.process(sample(0, 0.95));
    engine.process(sample(50_000, 0.1));
    engine.process(sample(60_000, 0.95));
    engine.process(sample(100_000, 0.95));
    expect(alerts).toHaveLength(0);
    engine.process(sample(120_000, 0.95));
    expect(alerts).toHaveLength(1);
  });
});

describe('swap', () => {
  it('replaces the whole rule set', () => {
    const { engine, alerts } = setup([rule('old', 'proc.name = bash')]);
    engine.process(execve);
    engine.swap(compileRuleSet(load(rule('new', 'proc.name = bash'))).ruleSet);
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['old', 'new']);
  });
});

describe('equality index', () => {
  it('visits only the rules whose proc.name constraint admits the event, in file order', () => {
    const rules = [
      rule('r0', 'evt.type = execve and proc.name in (bash, sh)'),
      rule('r1', 'evt.type = execve and proc.name = zsh'),
      rule('r2', 'evt.type = execve and proc.pid > 0'),
      rule('r3', 'evt.type = execve and proc.name = bash and proc.name in (bash, ksh)'),
      rule('r4', 'evt.type = execve and proc.name = ksh and proc.name = bash'),
      rule('r5', 'evt.type = execve and proc.name = curl'),
    ];
    const { engine, alerts, ruleSet } = setup(rules, 'all');
    expect(ruleSet.candidatesFor(execve).map((r) => r.name)).toEqual(['r0', 'r2', 'r3']);
    expect(ruleSet.candidatesFor({ ...execve, proc: { ...execve.proc!, name: 'ls' } }).map((r) => r.name)).toEqual(['r2']);
    expect(ruleSet.candidatesFor({ type: 'execve', source: 'syscall', timeMs: 0 }).map((r) => r.name)).toEqual(['r2']);
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['r0', 'r2', 'r3']);
    expect(engine.evaluations).toBe(3);
    const first = setup(rules, 'first');
    first.engine.process({ ...execve, proc: { ...execve.proc!, name: 'zsh' } });
    expect(first.alerts.map((a) => a.rule)).toEqual(['r1']);
  });
});
