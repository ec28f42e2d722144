import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { compileClosure, compileCondition, compileRuleSet, CompileError, lower, lowerCondition, planMemo } from '../../../../rules/compiler/index.js';
import { createRuleEngine } from '../../../../rules/engine/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { connect, connect6, engineWith, execve, load, parse, rule } from './helpers.js';

const withCmd = (args: string[], extra: Partial<VigilEvent['proc']> = {}): VigilEvent => ({ ...execve, proc: { ...execve.proc!, args, ...extra } });

function engineOf(rules: Parameters<typeof load>, ruleMatching: 'first' | 'all' = 'all') {
  const { ruleSet, issues } = compileRuleSet(load(...rules), { ruleMatching });
  return { ...engineWith(ruleSet), ruleSet, issues };
}

describe('per-event memo', () => {
  it('never serves a value cached for the previous event', () => {
    const { engine, alerts, ruleSet } = engineOf([
      rule('a', 'evt.type = execve and proc.cmdline contains "-x"'),
      rule('b', 'evt.type = execve and proc.cmdline contains "-y"'),
      rule('c', 'evt.type = execve and (proc.cmdline contains "-x" or proc.cmdline contains "-z")'),
    ]);
    expect(ruleSet.evalCache.S.length).toBeGreaterThan(0); // proc.cmdline got a shared slot
    engine.process(withCmd(['-x']));
    engine.process(withCmd(['-y']));
    engine.process(withCmd(['-z']));
    engine.process(withCmd(['-q']));
    engine.process(withCmd(['-x']));
    expect(alerts.map((a) => a.rule)).toEqual(['a', 'c', 'b', 'c', 'a', 'c']);
  });

  it('recomputes when the same event object is changed between two process() calls', () => {
    const { engine, alerts } = engineOf([rule('a', 'evt.type = execve and proc.cmdline contains "-x"'), rule('b', 'evt.type = execve and proc.cmdline contains "-x" and proc.name = bash')]);
    const proc = { ...execve.proc!, args: ['-x'] as string[] };
    const e = { ...execve, proc } as VigilEvent;
    engine.process(e);
    proc.args = ['-q'];
    engine.process(e);
    expect(alerts.map((a) => a.rule)).toEqual(['a', 'b']);
  });

  it('rules called directly alternate between events correctly', () => {
    const { ruleSet } = engineOf([
      rule('a', 'evt.type = execve and proc.args contains "1" and container.id != host'),
      rule('b', 'evt.type = execve and proc.args contains "2" and container.id != host'),
    ]);
    const [a, b] = ruleSet.rules as [(typeof ruleSet.rules)[0], (typeof ruleSet.rules)[0]];
    const e1 = withCmd(['1']);
    const e2 = withCmd(['2']);
    for (let i = 0; i < 3; i++) {
      expect([a.test(e1), b.test(e1), a.test(e2), b.test(e2)]).toEqual([true, false, false, true]);
    }
  });

  it('memoizes a macro sub-condition shared by rules, per event', () => {
    const shell = '(proc.name in (sh, bash) or proc.name startswith py or proc.exepath endswith /sh)';
    const conds = [`evt.type = execve and ${shell} and proc.tty != 0`, `evt.type = execve and ${shell} and user.uid = 0`];
    const nodes = conds.map((c) => lowerCondition(parse(c), true));
    const plan = planMemo(nodes);
    expect([...plan.slots.keys()].some((k) => k.startsWith('x:(proc.name in'))).toBe(true);
    const { engine, alerts } = engineOf([rule('tty', conds[0]!), rule('root', conds[1]!)]);
    engine.process(execve); // bash, tty, uid 0
    engine.process({ ...execve, proc: { ...execve.proc!, name: 'curl', exepath: '/usr/bin/curl' } });
    engine.process({ ...execve, proc: { ...execve.proc!, name: 'python3', tty: 0 } });
    expect(alerts.map((a) => a.rule)).toEqual(['tty', 'root', 'root']);
  });
});

describe('constant folding', () => {
  it('folds evt.dir and empty lists, keeps the rest', () => {
    expect(lower(parse('evt.dir = <'))).toMatchObject({ k: 'const', v: true });
    expect(lower(parse('evt.dir != <'))).toMatchObject({ k: 'const', v: false });
    expect(lower(parse('evt.dir in (<, >)'))).toMatchObject({ k: 'const', v: true });
    expect(lower(parse('proc.name in ()'))).toMatchObject({ k: 'const', v: false });
    expect(lower(parse('not proc.name in ()'))).toMatchObject({ k: 'const', v: true });
    expect(lower(parse('proc.name = a and evt.dir = <'))).toMatchObject({ k: 'leaf', key: 'proc.name = a' });
    expect(lower(parse('proc.name = a or evt.dir = <'))).toMatchObject({ k: 'const', v: true });
    expect(lower(parse('proc.name = a and not (k8s.ns.name in () or container.image.repository in ())'))).toMatchObject({ k: 'leaf' });
    expect(lower(parse('not not proc.name = a'))).toMatchObject({ k: 'leaf' });
  });

  it('still reports a bad value in a part that folding makes irrelevant', () => {
    for (const c of ['proc.name in () and proc.pid = abc', 'evt.dir = < or fd.sip = nope', 'not evt.dir = < and proc.aname[x] = a', 'not proc.name in () or fd.snet = 10.0.0.0/99']) {
      expect(() => compileCondition(parse(c), false), c).toThrow(CompileError);
    }
  });

  it('a rule that can never match stays active but is never visited', () => {
    const { engine, ruleSet, alerts } = engineOf([
      rule('never', 'evt.type = execve and k8s.ns.name in () and proc.name = bash'),
      rule('always', 'evt.type = execve and evt.dir = < and proc.name = bash'),
    ]);
    expect(ruleSet.summary.map((s) => s.state)).toEqual(['active', 'active']);
    expect(ruleSet.candidatesFor(execve).map((r) => r.name)).toEqual(['always']);
    engine.process(execve);
    expect(alerts.map((a) => a.rule)).toEqual(['always']);
    expect(engine.evaluations).toBe(1);
  });
});

describe('field shortcuts', () => {
  const host: VigilEvent = { ...execve, container: undefined };
  const shortId = execve.container!.id.slice(0, 12);
  const cases: [string, VigilEvent, boolean][] = [
    ['container.id != host', execve, true],
    ['container.id != host', host, false],
    ['container.id = host', host, true],
    ['container.id = host', execve, false],
    [`container.id = ${shortId}`, execve, true],
    [`container.id = ${shortId}x`, execve, false],
    [`container.id in (${shortId})`, execve, true],
    [`container.id != ${shortId}`, execve, false],
    ['container.id = 0123', execve, false],
    ['container.id = abc', { ...execve, container: { id: 'abc' } }, true],
    ['fd.sip in (10.1.2.3, 10.9.9.9)', connect, true],
    ['fd.sip in (10.1.2.4)', connect, false],
    ['fd.sip != 10.1.2.3', connect, false],
    ['fd.cip = 192.168.1.5', connect6, true],
    ['fd.sip in (2001:db8::1)', connect6, true],
    ['fd.sip in (10.0.0.0/8, 2001:db8::/32)', connect6, true],
    ['proc.cmdline contains bash', execve, true],
    ['proc.cmdline contains "id;"', execve, true],
    ['proc.cmdline contains Curl', execve, true],
    ['proc.cmdline contains "h -c"', execve, true],
    ['proc.cmdline contains zsh', execve, false],
    ['proc.cmdline contains ""', execve, true],
    ['proc.args contains bash', execve, false],
    ['proc.args contains ""', withCmd([]), true],
    ['proc.args contains x', withCmd([]), false],
    ['proc.cmdline contains ""', { type: 'execve', source: 'syscall', timeMs: 0 }, false],
    ['proc.pcmdline contains "-D"', execve, true],
    ['proc.pcmdline contains sshd', execve, true],
    ['proc.pcmdline contains "d -D"', execve, true],
    ['proc.pcmdline contains x', { ...execve, proc: { ...execve.proc!, ancestors: [] } }, false],
  ];
  it.each(cases)('%s', (c, e, want) => {
    expect(compileCondition(parse(c), false)(e)).toBe(want);
    expect(compileClosure(parse(c))(e)).toBe(want);
  });
});

describe('indexes', () => {
  it('narrows connect rules by fd.sip, then the others by fd.sport, in file order', () => {
    const { ruleSet, engine, alerts } = engineOf([
      rule('ip1', 'evt.type = connect and fd.sip in (10.1.2.3, 10.1.2.4)'),
      rule('port', 'evt.type = connect and fd.sport in (443, 8443)'),
      rule('ip2', 'evt.type = connect and fd.sip = "::ffff:10.1.2.3"'),
      rule('port2', 'evt.type = connect and fd.sport = 22'),
      rule('plain', 'evt.type = connect and fd.l4proto = tcp'),
      rule('ip3', 'evt.type = connect and fd.sip = 192.0.2.1'),
      rule('port3', 'evt.type = connect and fd.sport = 80'),
    ]);
    const names = (e: VigilEvent) => ruleSet.candidatesFor(e).map((r) => r.name);
    // A hit on fd.sip visits its rules and every rule without an fd.sip constraint.
    expect(names(connect)).toEqual(['ip1', 'port', 'ip2', 'port2', 'plain', 'port3']);
    const other = { ...connect, fd: { ...connect.fd!, sip: '10.9.9.9', sport: 22 } };
    expect(names(other)).toEqual(['port2', 'plain']);
    expect(names({ ...connect, fd: { ...connect.fd!, sip: undefined, sport: undefined } })).toEqual(['plain']);
    engine.process(connect);
    engine.process(other);
    expect(alerts.map((a) => a.rule)).toEqual(['ip1', 'port', 'ip2', 'plain', 'port2', 'plain']);
    const first = engineOf(
      [
        rule('plain', 'evt.type = connect and fd.l4proto = tcp'),
        rule('ip', 'evt.type = connect and fd.sip = 10.1.2.3'),
        rule('x', 'evt.type = connect and fd.sip = 10.1.2.9'),
        rule('y', 'evt.type = connect and fd.sip = 10.1.2.8'),
      ],
      'first',
    );
    first.engine.process(connect);
    expect(first.alerts.map((a) => a.rule)).toEqual(['plain']);
  });

  it('long candidate lists (not inlined) and short ones (inlined) raise the same alerts, in order', () => {
    for (const n of [3, 30]) {
      const rules = Array.from({ length: n }, (_, i) => rule(`r${i}`, i % 3 === 0 ? 'evt.type = execve and proc.cmdline contains "id"' : `evt.type = execve and proc.pid > ${i * 200}`));
      const all = engineOf(rules);
      all.engine.process(execve);
      expect(all.alerts.map((a) => a.rule)).toEqual(rules.filter((_, i) => i % 3 === 0 || i * 200 < 4242).map((r) => r.name));
      expect(all.engine.evaluations).toBe(n);
      const first = engineOf(rules, 'first');
      first.engine.process({ ...execve, proc: { ...execve.proc!, args: [] } });
      expect(first.alerts.map((a) => a.rule)).toEqual(['r1']);
      expect(first.engine.evaluations).toBe(2);
    }
  });

  it("counts event types outside vigil's set too", async () => {
    const registry = new Registry();
    const engine = createRuleEngine({ registry, hostname: 'h' }, () => {});
    engine.swap(compileRuleSet(load(rule('x', 'evt.type = open and proc.name = a')), {}).ruleSet);
    engine.process({ ...execve, type: 'open' as VigilEvent['type'] });
    engine.process(execve);
    const m = await registry.getSingleMetric('vigil_events_total')!.get();
    expect(Object.fromEntries(m.values.map((v) => [v.labels.type, v.value]))).toEqual({ open: 1, execve: 1 });
  });
});

// Generated code against the reference closures, on random conditions and events.
describe('generated code = reference closures', () => {
  const str = fc.constantFrom('bash', 'sh', 'curl', 'nginx', 'x y', '-c', 'id', '', 'h -c', 'ss', 'D');
  const atom = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('proc.name', 'proc.pname', 'proc.cmdline', 'proc.args', 'proc.pcmdline', 'k8s.ns.name', 'container.id', 'evt.dir', 'proc.aname', 'tolower(proc.name)'),
        fc.constantFrom('=', '!=', 'contains', 'startswith', 'endswith', 'icontains', 'glob'),
        str,
      )
      .map(([f, op, v]) => `${f} ${op} "${v}"`),
    fc.tuple(fc.constantFrom('proc.name', 'proc.pname', 'container.id', 'k8s.ns.name', 'evt.dir'), fc.array(str, { maxLength: 6 })).map(([f, vs]) => `${f} in (${vs.map((v) => `"${v}"`).join(', ')})`),
    fc
      .tuple(fc.constantFrom('proc.pid', 'proc.tty', 'fd.sport', 'user.uid', 'proc.vpid'), fc.constantFrom('=', '!=', '<', '>=', 'in'), fc.integer({ min: -1, max: 5000 }))
      .map(([f, op, v]) => (op === 'in' ? `${f} in (${v}, 443, 0)` : `${f} ${op} ${v}`)),
    fc
      .tuple(fc.constantFrom('fd.sip', 'fd.cip', 'fd.snet', 'fd.net'), fc.constantFrom('=', '!=', 'in'), fc.constantFrom('10.1.2.3', '10.0.0.0/8', '172.17.0.2', '2001:db8::1', '192.168.0.0/16'))
      .map(([f, op, v]) => (op === 'in' ? `${f} in (${v}, 198.51.100.1)` : `${f} ${op} "${v}"`)),
    fc.constantFrom(
      'container.privileged = true',
      'container.privileged != false',
      'proc.is_exe_upper_layer = true',
      'k8s.pod.name exists',
      'fd.ip exists',
      'proc.aname exists',
      'proc.name = val(proc.pname)',
      'container.label[app] = web',
    ),
  );
  const cond: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
    c: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('c'), fc.constantFrom('and', 'or'), tie('c')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie('c').map((a) => `not ${a}`),
    ),
  })).c;
  const events: VigilEvent[] = [
    execve,
    connect,
    connect6,
    withCmd(['-c', 'x y']),
    withCmd([]),
    withCmd(['', 'id']),
    { ...execve, container: undefined, k8s: undefined },
    { ...execve, proc: { ...execve.proc!, name: 'sh', args: [], tty: 0, ancestors: [] } },
    { type: 'execve', source: 'syscall', timeMs: 0 },
  ];

  it('agree on every event, evaluated alone and in one shared-memo rule set', () => {
    fc.assert(
      fc.property(fc.array(cond, { minLength: 1, maxLength: 4 }), (conds) => {
        const exprs = conds.map(parse);
        let ref: ((e: VigilEvent) => boolean)[];
        try {
          ref = exprs.map(compileClosure);
        } catch (err) {
          if (err instanceof CompileError) return;
          throw err;
        }
        const single = exprs.map((x) => compileCondition(x, false));
        // The engine runs the same conditions inlined into per-list runners.
        const { engine, alerts, ruleSet } = engineOf(conds.map((c, i) => rule(`r${i}`, c)));
        for (const e of events) {
          const want = ref.map((f) => f(e));
          expect(single.map((f) => f(e))).toEqual(want);
          expect(ruleSet.rules.map((r) => r.test(e))).toEqual(want);
          alerts.length = 0;
          engine.process(e);
          expect(alerts.map((a) => a.rule)).toEqual(conds.flatMap((_, i) => (want[i] ? [`r${i}`] : [])));
        }
      }),
      { numRuns: 400 },
    );
  });
});
