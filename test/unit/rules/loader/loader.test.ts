import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RulesIssueCode } from '../../../../rules/errors.js';
import { loadRulePaths, loadRuleTexts, summarize, type RulesLoadResult } from '../../../../rules/load.js';
import type { ResolvedRule } from '../../../../rules/types.js';

const FIX = fileURLToPath(new URL('../../../fixtures/rules/', import.meta.url));

/** A complete rule `r` that tests then append to, override or disable. */
const RULE_R = `- rule: r
  desc: d
  condition: evt.type = open
  output: o
  priority: INFO`;

function rule(r: RulesLoadResult, name: string): ResolvedRule {
  const found = r.rules.find((x) => x.name === name);
  if (!found) throw new Error(`rule ${name} not loaded; errors: ${JSON.stringify(r.errors)}`);
  return found;
}

function codes(issues: readonly { code: string }[]): string[] {
  return issues.map((i) => i.code);
}

function text(yaml: string, opts = {}): RulesLoadResult {
  return loadRuleTexts([{ path: 't.yaml', text: yaml }], opts);
}

describe('base corpus', () => {
  it('loads lists, macros, rules, versions; expands macros and nested lists', async () => {
    const r = await loadRulePaths([`${FIX}base.yaml`]);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(summarize(r)).toBe('2 rules active, 0 disabled for missing fields, 0 disabled as never firing, 1 disabled by file');
    expect(r.requiredEngineVersion).toBe('0.50.0');
    expect(r.plugins).toMatchObject([{ name: 'container', version: '0.4.0', alternatives: [{ name: 'k8smeta', version: '0.1.0' }] }]);
    expect(r.files).toHaveLength(1);
    expect(r.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const shell = rule(r, 'Shell in container');
    expect(shell.conditionText).toBe('spawned_process and container and shell_procs');
    expect(shell.expandedText).toBe('evt.type in (execve, execveat) and container.id != host and proc.name in (fish, ash, bash, sh, zsh, "my shell")');
    expect(shell).toMatchObject({ priority: 'WARNING', tags: ['container', 'shell'], enabled: true, source: 'syscall', output: 'Shell (user=%user.name container=%container.id)' });
    expect(shell.location).toMatchObject({ line: 32, col: 3 });
    // Inlined nodes carry the span of the macro reference in the rule's own text.
    const c = shell.condition;
    if (c.kind !== 'and') throw new Error('and expected');
    const leftmost = c.left.kind === 'and' ? c.left.left : c.left;
    expect(shell.conditionText.slice(leftmost.span.start, leftmost.span.end)).toBe('spawned_process');

    expect(rule(r, 'Private network connect').expandedText).toBe('evt.type = connect and (fd.snet in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16") or fd.sip = 127.0.0.1)');
    expect(rule(r, 'Disabled by default')).toMatchObject({ enabled: false, priority: 'INFORMATIONAL' });
  });
});

describe('override (Falco >= 0.36)', () => {
  it('appends and replaces every key', async () => {
    const r = await loadRulePaths([`${FIX}base.yaml`, `${FIX}overrides.yaml`]);
    expect(r.errors).toEqual([]);
    const shell = rule(r, 'Shell in container');
    // condition append (on the rule and on a macro), list items append, output/desc/tags append
    expect(shell.conditionText).toBe('spawned_process and container and shell_procs and not proc.pname = sshd');
    expect(shell.expandedText).toBe(
      'evt.type in (execve, execveat) and container.id != host and container.image.repository != pause and proc.name in (fish, ash, bash, sh, zsh, dash, "my shell") and not proc.pname = sshd',
    );
    expect(shell.output).toBe('Shell (user=%user.name container=%container.id) parent=%proc.pname');
    expect(shell.desc).toBe('A shell started in a container (tuned)');
    expect(shell.tags).toEqual(['container', 'shell', 'mitre_execution']);
    // priority and enabled replace
    expect(rule(r, 'Private network connect')).toMatchObject({ priority: 'CRITICAL', enabled: false });
    // condition, output, desc, tags, enabled replace
    expect(rule(r, 'Disabled by default')).toMatchObject({
      expandedText: 'evt.type in (execve, execveat) and proc.name in (nmap, masscan)',
      output: 'scanner %proc.name',
      desc: 'scanners',
      tags: ['recon'],
      enabled: true,
    });
    // A redefinition keeps the rule's original position in the order.
    expect(r.rules.map((x) => x.name)).toEqual(['Shell in container', 'Private network connect', 'Disabled by default']);
  });

  it('macro and list replace', () => {
    const r = text(`
- list: l
  items: [a]
- list: l
  items: [b]
  override: {items: replace}
- macro: m
  condition: proc.name in (l)
- macro: m
  condition: proc.pname in (l)
  override: {condition: replace}
- rule: r
  desc: d
  condition: m
  output: o
  priority: INFO
`);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'r').expandedText).toBe('proc.pname in (b)');
  });

  it('priority and exceptions replace, for and throttle replace', () => {
    const r = text(`
${RULE_R}
  for: 1m
- rule: r
  priority: emergency
  for: 2m
  throttle: 30s
  override: {priority: replace, for: replace, throttle: replace}
`);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'r')).toMatchObject({ priority: 'EMERGENCY', forMs: 120_000, throttle: { periodMs: 30_000, key: ['container.id'] } });
  });

  it.each([
    ['priority cannot be appended', `- rule: r\n  priority: INFO\n  override: {priority: append}\n`, RulesIssueCode.OVERRIDE],
    ['unknown operation', `- rule: r\n  desc: x\n  override: {desc: merge}\n`, RulesIssueCode.OVERRIDE],
    ['override of an absent key', `- rule: r\n  desc: x\n  override: {desc: append, output: append}\n`, RulesIssueCode.OVERRIDE],
    ['key not listed under override', `- rule: r\n  desc: x\n  output: y\n  override: {desc: append}\n`, RulesIssueCode.OVERRIDE],
    ['append with override', `- rule: r\n  desc: x\n  append: true\n  override: {desc: append}\n`, RulesIssueCode.OVERRIDE],
    ['override is not a mapping', `- rule: r\n  desc: x\n  override: [desc]\n`, RulesIssueCode.OVERRIDE],
    ['rule never defined', `- rule: nope\n  desc: x\n  override: {desc: append}\n`, RulesIssueCode.NO_PREVIOUS],
    ['list never defined', `- list: nope\n  items: [a]\n  override: {items: append}\n`, RulesIssueCode.NO_PREVIOUS],
    ['macro never defined', `- macro: nope\n  condition: a\n  override: {condition: append}\n`, RulesIssueCode.NO_PREVIOUS],
  ])('%s is an error', (_name, extra, code) => {
    const base = `- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n`;
    const r = text(base + extra);
    expect(r.errors[0]!.code).toBe(code);
    expect(r.errors[0]!.line).toBeGreaterThanOrEqual(6);
    if (extra.startsWith('- rule: r\n')) {
      // A failed tuning item never leaves its rule running untuned: the rule is dropped too.
      expect(codes(r.errors)).toEqual([code, RulesIssueCode.DROPPED]);
      expect(r.rules.map((x) => x.name)).toEqual([]);
    } else {
      expect(codes(r.errors)).toEqual([code]);
      expect(rule(r, 'r')).toMatchObject({ desc: 'd', priority: 'INFORMATIONAL' });
    }
  });
});

describe('append: true and enabled-only items (older Falco)', () => {
  it('append lists, macros, rule conditions; enabled-only toggles', async () => {
    const r = await loadRulePaths([`${FIX}base.yaml`, `${FIX}legacy-append.yaml`]);
    expect(r.errors).toEqual([]);
    expect(codes(r.warnings)).toEqual(Array(4).fill(RulesIssueCode.DEPRECATED));
    expect(rule(r, 'Shell in container').expandedText).toBe(
      '(evt.type in (execve, execveat) or evt.type = clone) and container.id != host and proc.name in (fish, ash, bash, sh, zsh, ksh, "my shell") and proc.tty != 0',
    );
    expect(rule(r, 'Disabled by default').enabled).toBe(true);
    expect(summarize(r)).toBe('3 rules active, 0 disabled for missing fields, 0 disabled as never firing, 0 disabled by file');
  });

  it('enabled-only for an unknown rule is an error; enabled: false disables', () => {
    const r = text(`
${RULE_R}
- rule: r
  enabled: false
- rule: ghost
  enabled: false
`);
    expect(codes(r.errors)).toEqual([RulesIssueCode.NO_PREVIOUS]);
    expect(r.errors[0]).toMatchObject({ line: 9, col: 3, item: 'rule "ghost"' });
    expect(rule(r, 'r').enabled).toBe(false);
  });

  it('a later full definition replaces an earlier one', () => {
    const r = loadRuleTexts([
      { path: 'a.yaml', text: '- rule: r\n  desc: a\n  condition: evt.type = open\n  output: a\n  priority: INFO\n' },
      { path: 'b.yaml', text: '- rule: r\n  desc: b\n  condition: evt.type = close\n  output: b\n  priority: ERROR\n' },
    ]);
    expect(rule(r, 'r')).toMatchObject({ desc: 'b', expandedText: 'evt.type = close', priority: 'ERROR', location: { file: 'b.yaml', line: 1, col: 3 } });
    expect(r.files.map((f) => f.path)).toEqual(['a.yaml', 'b.yaml']);
  });
});

describe('files and directories', () => {
  it('a directory loads its *.yaml/*.yml sorted by name; later files win', async () => {
    const r = await loadRulePaths([`${FIX}dir`]);
    expect(r.errors).toEqual([]);
    expect(r.files.map((f) => f.path.split('/').pop())).toEqual(['10-first.yml', '20-second.yaml']);
    expect(rule(r, 'r')).toMatchObject({ desc: 'second', expandedText: 'proc.name = second' });
    // macros resolve against the final definitions, as in Falco
    expect(rule(r, 'only in first').expandedText).toBe('proc.name = second');
  });

  it('an unreadable path is an issue, the others still load', async () => {
    const r = await loadRulePaths([`${FIX}does-not-exist.yaml`, `${FIX}base.yaml`]);
    expect(codes(r.errors)).toEqual([RulesIssueCode.READ]);
    expect(r.errors[0]).toMatchObject({ line: 1, col: 1 });
    expect(r.rules).toHaveLength(3);
  });
});

describe('vigil extensions: for and throttle', () => {
  it('reads durations and throttle forms', async () => {
    const r = await loadRulePaths([`${FIX}metrics.yaml`]);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'High iowait')).toMatchObject({ source: 'metrics', forMs: 300_000, throttle: { periodMs: 600_000, key: ['container.id'] } });
    expect(rule(r, 'Disk almost full')).toMatchObject({ forMs: 300_000, throttle: { periodMs: 3_600_000, key: ['fd.name', 'container.id'] } });
    expect(rule(r, 'Single key throttle')).toMatchObject({ throttle: { periodMs: 90_000, key: ['proc.name'] } });
    expect(rule(r, 'Single key throttle').forMs).toBeUndefined();
  });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['45', 45_000],
  ])('for: %s → %i ms', (d, ms) => {
    const r = text(`- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  for: ${d}\n`);
    expect(r.errors).toEqual([]);
    expect(rule(r, 'r').forMs).toBe(ms);
  });

  it.each([['for: 5 minutes'], ['for: -1s'], ['throttle: {key: [proc.name]}'], ['throttle: {period: soon}'], ['throttle: {period: 1m, key: [not a field]}']])('%s is an error', (extra) => {
    const r = text(`- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  ${extra}\n`);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.line).toBe(6);
    expect(r.rules).toHaveLength(0);
  });
});

describe('problems are issues with positions, never exceptions', () => {
  it('the bad corpus reports each problem at its place', async () => {
    const r = await loadRulePaths([`${FIX}bad/errors.yaml`]);
    const at = (code: string): string[] => r.errors.filter((e) => e.code === code).map((e) => `${e.line}:${e.col}`);
    expect(at(RulesIssueCode.UNKNOWN_OPERATOR)).toEqual(['3:24']);
    expect(at(RulesIssueCode.BAD_PRIORITY)).toEqual(['11:13']);
    expect(at(RulesIssueCode.BAD_VALUE)).toEqual(['18:9']);
    // loop_a uses loop_b, defined after it: undefined there (Falco's ordering), so no cycle can form.
    expect(at(RulesIssueCode.UNDEFINED_MACRO)).toEqual(['28:14', '22:38']);
    expect(at(RulesIssueCode.MACRO_CYCLE)).toEqual([]);
    expect(at(RulesIssueCode.EMPTY_CONDITION)).toEqual(['40:14']);
    // a block scalar: the line of the text, just past the last character written
    expect(at(RulesIssueCode.CONDITION_SYNTAX)).toEqual(['48:22']);
    expect(at(RulesIssueCode.LIST_CYCLE)).toEqual([]);
    expect(at(RulesIssueCode.MISSING_KEY)).toEqual(['57:3']);
    expect(at(RulesIssueCode.NO_PREVIOUS)).toEqual(['62:3']);
    expect(r.errors.find((e) => e.code === RulesIssueCode.BROKEN_DEPENDENCY && e.item === 'rule "Uses loop"')).toMatchObject({ line: 34, col: 14 });
    expect(codes(r.warnings).sort()).toEqual([RulesIssueCode.UNKNOWN_ITEM, RulesIssueCode.UNKNOWN_KEY]);
    expect(r.warnings.find((w) => w.code === RulesIssueCode.UNKNOWN_KEY)).toMatchObject({ line: 25, col: 3, item: 'rule "Undefined macro"' });
    expect(r.rules).toEqual([]);
    for (const i of [...r.errors, ...r.warnings]) expect(i.file).toBe(`${FIX}bad/errors.yaml`);
  });

  it('malformed YAML stops the file with a positioned error', async () => {
    const r = await loadRulePaths([`${FIX}bad/yaml.yaml`, `${FIX}base.yaml`]);
    expect(codes(r.errors)).toEqual([RulesIssueCode.YAML]);
    expect(r.errors[0]).toMatchObject({ line: 3, col: 3 });
    expect(r.rules).toHaveLength(3);
  });

  it.each([
    ['not a list', 'rule: x\n', RulesIssueCode.SCHEMA, 1, 1],
    ['item not a mapping', '- just a string\n', RulesIssueCode.SCHEMA, 1, 3],
    ['enabled not a boolean', '- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  enabled: maybe\n', RulesIssueCode.BAD_VALUE, 6, 12],
    ['items not a list', '- list: l\n  items: a\n', RulesIssueCode.BAD_VALUE, 2, 10],
    ['macro without condition', '- macro: m\n', RulesIssueCode.MISSING_KEY, 1, 3],
    ['empty desc', '- rule: r\n  desc: ""\n  condition: evt.type = open\n  output: o\n  priority: INFO\n', RulesIssueCode.BAD_VALUE, 2, 9],
    ['engine too old', '- required_engine_version: 0.99.0\n', RulesIssueCode.ENGINE_VERSION, 1, 28],
    ['engine version unreadable', '- required_engine_version: latest\n', RulesIssueCode.ENGINE_VERSION, 1, 28],
    ['plugin without version', '- required_plugin_versions:\n    - name: x\n', RulesIssueCode.PLUGIN_VERSION, 2, 7],
    ['single-quoted condition, exact column', "- macro: m\n  condition: 'proc.name = a and and'\n", RulesIssueCode.CONDITION_SYNTAX, 2, 33],
    ['double-quoted condition, exact column', '- macro: m\n  condition: "a or proc.name ~ x"\n', RulesIssueCode.CONDITION_SYNTAX, 2, 30],
    ['multi-line plain condition', '- macro: m\n  condition: a and\n    b or\n    proc.name nope x\n', RulesIssueCode.UNKNOWN_OPERATOR, 4, 15],
    ['folded condition', '- macro: m\n  condition: >\n    a and\n      (b or c\n', RulesIssueCode.CONDITION_SYNTAX, 4, 7],
  ])('%s', (_n, yaml, code, line, col) => {
    const r = text(yaml);
    expect(r.errors.map((e) => [e.code, e.line, e.col])).toEqual([[code, line, col]]);
  });

  it('integer required_engine_version is 0.N.0; the highest is recorded', () => {
    const r = text('- required_engine_version: 13\n- required_engine_version: 0.31.0\n');
    expect(r.errors).toEqual([]);
    expect(r.requiredEngineVersion).toBe('0.31.0');
    expect(codes(text('- required_engine_version: 0.58.0\n', { engineVersion: '0.57.0' }).errors)).toEqual([RulesIssueCode.ENGINE_VERSION]);
    expect(text('- required_engine_version: 0.58.0\n', { engineVersion: '0.60.1' }).errors).toEqual([]);
  });

  it('priorities are case-insensitive, info is informational', () => {
    for (const [p, want] of [
      ['Emergency', 'EMERGENCY'],
      ['alert', 'ALERT'],
      ['CRITICAL', 'CRITICAL'],
      ['error', 'ERROR'],
      ['Warning', 'WARNING'],
      ['notice', 'NOTICE'],
      ['INFO', 'INFORMATIONAL'],
      ['informational', 'INFORMATIONAL'],
      ['debug', 'DEBUG'],
    ] as const) {
      const r = text(`- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: ${p}\n`);
      expect(rule(r, 'r').priority).toBe(want);
    }
  });

  it('a rule with an unknown source loads disabled with a warning', () => {
    const r = text('- rule: r\n  desc: d\n  condition: ka.verb = create\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
    expect(r.errors).toEqual([]);
    expect(codes(r.warnings)).toEqual([RulesIssueCode.UNKNOWN_SOURCE]);
    expect(rule(r, 'r')).toMatchObject({ enabled: false, source: 'k8s_audit' });
  });

  it('a rule redefined with another source is an error', () => {
    const r = text(
      '- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n- rule: r\n  desc: d\n  condition: metric.value > 1\n  output: o\n  priority: INFO\n  source: metrics\n',
    );
    expect(codes(r.errors)).toEqual([RulesIssueCode.SOURCE_MISMATCH, RulesIssueCode.DROPPED]);
  });

  it('a duplicated key is a warning and the last one wins', () => {
    const r = text('- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n  priority: ERROR\n');
    expect(r.errors).toEqual([]);
    expect(codes(r.warnings)).toEqual([RulesIssueCode.YAML]);
    expect(rule(r, 'r').priority).toBe('ERROR');
  });

  it('empty files, empty documents and comments load nothing, quietly', () => {
    for (const t of ['', '# only a comment\n', '---\n', '---\n...\n---\n- list: l\n  items: []\n']) {
      const r = text(t);
      expect(r.errors).toEqual([]);
      expect(r.rules).toEqual([]);
    }
  });
});
