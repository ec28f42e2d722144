import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RulesIssueCode } from '../../../../rules/errors.js';
import { loadRulePaths, loadRuleTexts, type RulesLoadResult } from '../../../../rules/load.js';
import type { ResolvedRule } from '../../../../rules/types.js';

const FIX = fileURLToPath(new URL('../../../fixtures/rules/', import.meta.url));

function text(yaml: string, opts = {}): RulesLoadResult {
  return loadRuleTexts([{ path: 't.yaml', text: yaml }], opts);
}

function rule(r: RulesLoadResult, name: string): ResolvedRule {
  const found = r.rules.find((x) => x.name === name);
  if (!found) throw new Error(`rule ${name} not loaded; errors: ${JSON.stringify(r.errors)}`);
  return found;
}

const RULE = (cond: string, extra = ''): string => `- rule: r\n  desc: d\n  condition: ${cond}\n  output: o\n  priority: INFO\n${extra}`;

describe('lists', () => {
  it('lists reference lists, inline lists expand names, quoted names stay literal', () => {
    const r = text(`
- list: a
  items: [x, y]
- list: b
  items: [a, z, '"a"']
- list: empty
  items: []
${RULE('proc.name in (b, w, "b", empty) and proc.pname in b and fd.name pmatch (a) and evt.arg.flags intersects (a)')}`);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'r').expandedText).toBe('proc.name in (x, y, z, "a", w, "b") and proc.pname in (x, y, z, "a") and fd.name pmatch (x, y) and evt.arg.flags intersects (x, y)');
  });

  it('a list defined after its use still resolves (Falco resolves lists against all definitions)', () => {
    const r = text(`${RULE('proc.name in (later)')}- list: later\n  items: [q]\n`);
    expect(rule(r, 'r').expandedText).toBe('proc.name in (q)');
  });

  it('an undefined name inside parentheses is a literal; a bare undefined list name warns', () => {
    const r = text(RULE('proc.name in (nolist) and proc.pname in nolist2'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.line, w.col])).toEqual([[RulesIssueCode.UNDEFINED_LIST, 3, 54]]);
    expect(rule(r, 'r').expandedText).toBe('proc.name in (nolist) and proc.pname in (nolist2)');
  });

  it('list items with condition quoting are unescaped like Falco', () => {
    const r = text(`
- list: cmds
  items: ['"sh -c node -e \\"require(''nan'')\\""', '"(systemd)"', plain with space]
${RULE('proc.cmdline in (cmds)')}`);
    expect(r.errors).toEqual([]);
    const c = rule(r, 'r').condition;
    if (c.kind !== 'compare' || c.right.kind !== 'list') throw new Error('list expected');
    expect(c.right.items.map((i) => i.value)).toEqual(['sh -c node -e "require(\'nan\')"', '(systemd)', 'plain with space']);
  });

  it('lists that name each other cannot loop (Falco: a list sees only earlier lists, one level)', () => {
    const r = text(`
- list: a
  items: [b]
- list: b
  items: [a, x]
${RULE('proc.name in (a)')}`);
    expect(r.errors).toEqual([]);
    const c = rule(r, 'r').condition;
    if (c.kind !== 'compare' || c.right.kind !== 'list') throw new Error('list expected');
    // a = [b] (b is later: literal); b = [b, x] (a's items as written); the condition replaces a, then b.
    expect(c.right.items.map((i) => i.value)).toEqual(['b', 'x']);
  });
});

describe('macros', () => {
  it('nested macros expand with parentheses kept where precedence needs them', () => {
    const r = text(`
- macro: a
  condition: proc.name = x or proc.name = y
- macro: c
  condition: (fd.num < 0)
- macro: b
  condition: a and not c
${RULE('b or evt.type = open')}`);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'r').expandedText).toBe('(proc.name = x or proc.name = y) and not fd.num < 0 or evt.type = open');
    // macro used under `not`
    const r2 = text(`- macro: a\n  condition: proc.name = x or proc.name = y\n${RULE('not a')}`);
    expect(rule(r2, 'r').expandedText).toBe('not (proc.name = x or proc.name = y)');
  });

  it('undefined macros are errors at the reference; the rule is left out', () => {
    const r = text(RULE('evt.type = open and nosuch'));
    expect(r.errors.map((e) => [e.code, e.line, e.col, e.item])).toEqual([[RulesIssueCode.UNDEFINED_MACRO, 3, 34, 'rule "r"']]);
    expect(r.rules).toEqual([]);
  });

  it('an unused broken macro is still reported (as Falco compiles every macro)', () => {
    const r = text('- macro: unused\n  condition: proc.name === x\n- macro: unused2\n  condition: nothere\n');
    expect(r.errors.map((e) => e.code).sort()).toEqual([RulesIssueCode.CONDITION_SYNTAX, RulesIssueCode.UNDEFINED_MACRO].sort());
  });

  it('self reference is undefined (a macro sees earlier macros); through an append it is a cycle, not a hang', () => {
    const r = text(`- macro: s\n  condition: s and proc.name = x\n${RULE('s')}`);
    expect(r.errors.map((e) => e.code)).toContain(RulesIssueCode.UNDEFINED_MACRO);
    expect(r.rules).toEqual([]);
    const r2 = text(`- macro: s\n  condition: proc.name = x\n- macro: s\n  condition: or s\n  override:\n    condition: append\n${RULE('s')}`);
    expect(r2.errors.map((e) => e.code)).toContain(RulesIssueCode.MACRO_CYCLE);
    expect(r2.rules).toEqual([]);
  });

  it('exponential fan-out is refused with TOO_COMPLEX, quickly', () => {
    let yaml = '- macro: m0\n  condition: proc.name = x\n';
    for (let i = 1; i <= 30; i++) yaml += `- macro: m${i}\n  condition: m${i - 1} or m${i - 1}\n`;
    const r = text(yaml + RULE('m30'));
    expect(r.errors.map((e) => e.code)).toContain(RulesIssueCode.TOO_COMPLEX);
    expect(r.rules).toEqual([]);
  });
});

describe('exceptions', () => {
  it('every exception form becomes an and-not clause', async () => {
    const r = await loadRulePaths([`${FIX}exceptions.yaml`]);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'Write below etc').expandedText).toBe(
      [
        'evt.type = open and fd.name startswith /etc/',
        // a tuple with per-field comps; "my editor" is quoted because it has a space; values appended later
        'not (proc.name = vi and fd.name startswith /etc/vim/ or proc.name = "my editor" and fd.name startswith /etc/editor/ or proc.name = nano and fd.name startswith /etc/nano/)',
        // a single field: comps defaults to in, a list name among the values expands
        'not container.image.repository in (docker.io/library/nginx, registry.k8s.io/pause, quay.io/x)',
        'not fd.name pmatch (/etc/ssl, /etc/pki)',
        // a tuple whose values are lists, or list names under a list operator
        'not (proc.name in (apt, dpkg) and proc.aname[2] = systemd or proc.name in (docker.io/library/nginx, registry.k8s.io/pause) and proc.aname[2] = "quoted value")',
        // comps default to = per field
        'not (user.name = root and proc.pname = cron)',
        // (the exception without values adds nothing) a new exception appended by override
        'not proc.cmdline in ("sh -c true")',
      ].join(' and '),
    );
    expect(rule(r, 'Replace exceptions').expandedText).toBe('evt.type = open and not proc.pname contains b');
    expect(rule(r, 'Legacy exception append').expandedText).toBe('evt.type = open and not proc.name in (a, b)');
  });

  it('a rule condition that is an or is kept together before the exceptions', () => {
    const r = text(RULE('proc.name = a or proc.name = b', '  exceptions:\n    - name: e\n      fields: proc.pname\n      values: [x]\n'));
    expect(rule(r, 'r').expandedText).toBe('(proc.name = a or proc.name = b) and not proc.pname in (x)');
  });

  it.each([
    ['fields and comps of different lengths', 'fields: [proc.name, fd.name]\n      comps: [=]\n      values: [[a, b]]'],
    ['an unknown comp', 'fields: [proc.name]\n      comps: [like]\n      values: [[a]]'],
    ['a single field with =', 'fields: proc.name\n      comps: =\n      values: [a]'],
    ['a single field with list comps', 'fields: proc.name\n      comps: [in]\n      values: [a]'],
    ['a tuple value of the wrong size', 'fields: [proc.name, fd.name]\n      values: [[a]]'],
    ['a scalar value for a tuple', 'fields: [proc.name, fd.name]\n      values: [a]'],
    ['a list value for a single field', 'fields: proc.name\n      values: [[a]]'],
    ['a field that is not a field', 'fields: [notafield]\n      values: [[a]]'],
    ['no fields', 'values: [[a]]'],
    ['a non-number under <', 'fields: [fd.num]\n      comps: [<]\n      values: [[abc]]'],
  ])('%s is an EXCEPTION error', (_n, body) => {
    const r = text(RULE('evt.type = open', `  exceptions:\n    - name: e\n      ${body}\n`));
    expect(r.errors.map((e) => e.code)).toEqual([RulesIssueCode.EXCEPTION]);
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(7);
    expect(r.rules).toEqual([]);
  });

  it('appending fields to an existing exception is an error; a new one needs values', () => {
    const base = RULE('evt.type = open', '  exceptions:\n    - name: e\n      fields: proc.name\n      values: [a]\n');
    const r1 = text(`${base}- rule: r\n  exceptions:\n    - name: e\n      fields: proc.name\n      values: [b]\n  override: {exceptions: append}\n`);
    // The failed tuning item drops the rule rather than run it without the exception.
    expect(r1.errors.map((e) => e.code)).toEqual([RulesIssueCode.EXCEPTION, RulesIssueCode.DROPPED]);
    expect(r1.rules).toEqual([]);
    const r2 = text(`${base}- rule: r\n  exceptions:\n    - name: new\n      fields: proc.name\n  override: {exceptions: append}\n`);
    expect(r2.errors.map((e) => e.code)).toEqual([RulesIssueCode.EXCEPTION, RulesIssueCode.DROPPED]);
  });
});

describe('fields the sensor cannot provide', () => {
  const known = new Set(['evt.type', 'proc.name', 'container.id']);
  const fieldExists = (name: string): boolean => known.has(name);

  it('load the rule disabled with a warning naming rule and fields; others stay active', () => {
    const r = text(
      `- macro: m\n  condition: fd.nameraw contains x\n${RULE('evt.type = open and m and evt.arg.flags contains O_TRUNC')}` +
        '- rule: fine\n  desc: d\n  condition: proc.name = bash and container.id != host\n  output: o\n  priority: INFO\n' +
        '- rule: off anyway\n  desc: d\n  condition: fd.foo = 1\n  output: o\n  priority: INFO\n  enabled: false\n',
      { fieldExists },
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    const w = r.warnings[0]!;
    expect(w).toMatchObject({ code: RulesIssueCode.MISSING_FIELD, item: 'rule "r"', line: 3, col: 3 });
    expect(w.message).toContain('rule "r"');
    expect(w.message).toContain('fd.nameraw (macro m)');
    expect(w.message).toContain('evt.arg.flags');
    expect(rule(r, 'r').enabled).toBe(false);
    expect(rule(r, 'fine').enabled).toBe(true);
    expect(rule(r, 'off anyway').enabled).toBe(false);
  });

  it('fields in exceptions, val(), transformers and throttle keys count too; the arg is passed', () => {
    const seen: [string, string | undefined][] = [];
    const r = text(
      RULE(
        'tolower(proc.name) = val(proc.pname) and proc.aname[2] = x',
        '  throttle: {period: 1m, key: ["k8s.pod.label[app]"]}\n  exceptions:\n    - name: e\n      fields: [user.name]\n      values: [[root]]\n',
      ),
      {
        fieldExists: (n: string, a?: string) => {
          seen.push([n, a]);
          return n !== 'user.name';
        },
      },
    );
    expect(r.warnings.map((w) => w.code)).toEqual([RulesIssueCode.MISSING_FIELD]);
    expect(r.warnings[0]!.message).toContain('user.name (exception e)');
    expect(seen).toEqual(
      expect.arrayContaining([
        ['proc.name', undefined],
        ['proc.pname', undefined],
        ['proc.aname', '2'],
        ['k8s.pod.label', 'app'],
        ['user.name', undefined],
      ]),
    );
  });
});
