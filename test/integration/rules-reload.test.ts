import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../rules/alert.js';
import { createRuleEngine, createRulesWatcher } from '../../rules/index.js';
import type { VigilEvent } from '../../rules/event.js';
import { integrationUnavailable } from './docker-env.js';

const ruleYaml = (name: string, procName: string): string =>
  `- rule: ${name}\n  desc: test\n  condition: evt.type = execve and proc.name = ${procName}\n  output: ${name} %proc.name\n  priority: WARNING\n`;

const exec = (name: string): VigilEvent => ({ type: 'execve', source: 'syscall', timeMs: Date.now(), proc: { pid: 1, name } });

/** Writes a ConfigMap volume the way the kubelet does: timestamped dir, `..data` symlink, file symlinks. */
class ConfigMapDir {
  private n = 0;
  private current: string | undefined;
  constructor(readonly dir: string) {}
  publish(files: Record<string, string>): void {
    const ts = `..2026_01_01_00_00_${String(this.n++).padStart(2, '0')}.${process.pid}`;
    mkdirSync(join(this.dir, ts));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, ts, name), text);
    symlinkSync(ts, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data')); // atomic swap
    for (const name of Object.keys(files)) {
      try {
        symlinkSync(join('..data', name), join(this.dir, name));
      } catch {
        /* already linked */
      }
    }
    if (this.current !== undefined) rmSync(join(this.dir, this.current), { recursive: true, force: true });
    this.current = ts;
  }
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.reduce((s, v) => s + v.value, 0) ?? 0;
}

describe.skipIf(integrationUnavailable())('rules hot reload (ConfigMap layout)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  function setup(pathOf: (dir: string) => string) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-reload-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cm = new ConfigMapDir(dir);
    cm.publish({ 'rules.yaml': ruleYaml('Rule A', 'alpha') });
    const registry = new Registry();
    const alerts: Alert[] = [];
    const engine = createRuleEngine({ registry, hostname: 'h' }, (a) => alerts.push(a));
    let loads = 0;
    const reported: unknown[] = [];
    const watcher = createRulesWatcher({ log: pino({ level: 'silent' }), registry, errors: { report: (_c, _s, e) => reported.push(e) } }, { paths: [pathOf(dir)], debounceMs: 200 }, ({ ruleSet }) => {
      loads++;
      engine.swap(ruleSet);
    });
    cleanups.push(() => watcher.stop());
    return { dir, cm, registry, alerts, engine, watcher, loads: () => loads, reported };
  }

  it('picks up a ..data swap (directory path)', async () => {
    const t = setup((d) => d);
    await t.watcher.start(new AbortController().signal);
    expect(t.loads()).toBe(1);
    t.engine.process(exec('alpha'));
    expect(t.alerts.map((a) => a.rule)).toEqual(['Rule A']);
    const sha0 = (await t.registry.getSingleMetric('vigil_rules_files_info')!.get()).values[0]!.labels.sha256;

    t.cm.publish({ 'rules.yaml': ruleYaml('Rule B', 'beta') });
    await until('the new rules', () => t.loads() === 2);
    t.engine.process(exec('alpha'));
    t.engine.process(exec('beta'));
    expect(t.alerts.map((a) => a.rule)).toEqual(['Rule A', 'Rule B']);
    const info = (await t.registry.getSingleMetric('vigil_rules_files_info')!.get()).values;
    expect(info).toHaveLength(1);
    expect(info[0]!.labels.sha256).not.toBe(sha0);
    expect(info[0]!.labels.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await metric(t.registry, 'vigil_rules_load_errors_total')).toBe(0);
  });

  it('keeps the old rules when the new set is broken, and counts the errors (file path)', async () => {
    const t = setup((d) => join(d, 'rules.yaml'));
    await t.watcher.start(new AbortController().signal);
    expect(t.loads()).toBe(1);

    t.cm.publish({ 'rules.yaml': `${ruleYaml('Rule B', 'beta')}- rule: Broken\n  condition: proc.name = (\n  output: x\n  priority: WARNING\n  desc: d\n` });
    await until('the error counter', async () => (await metric(t.registry, 'vigil_rules_load_errors_total')) > 0);
    expect(t.loads()).toBe(1);
    t.engine.process(exec('alpha'));
    t.engine.process(exec('beta'));
    expect(t.alerts.map((a) => a.rule)).toEqual(['Rule A']);

    // A fixed set is then picked up.
    t.cm.publish({ 'rules.yaml': ruleYaml('Rule C', 'gamma') });
    await until('the fixed rules', () => t.loads() === 2);
    t.engine.process(exec('gamma'));
    expect(t.alerts.map((a) => a.rule)).toEqual(['Rule A', 'Rule C']);
    expect(t.reported).toEqual([]);
  });

  it('reloads a plain file edited in place, and stays still while its neighbours churn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-plain-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'custom.yaml');
    writeFileSync(file, ruleYaml('Rule A', 'alpha'));
    const registry = new Registry();
    let loads = 0;
    const watcher = createRulesWatcher({ log: pino({ level: 'silent' }), registry, errors: { report: () => undefined } }, { paths: [file], debounceMs: 100 }, () => {
      loads++;
    });
    cleanups.push(() => watcher.stop());
    await watcher.start(new AbortController().signal);
    expect(loads).toBe(1);

    // Neighbours: a file rewritten over and over, a subdirectory filling with
    // files, a YAML file that is not one of the rules paths. None can change
    // what loads, so none may cause a reload attempt.
    mkdirSync(join(dir, 'spool'));
    const end = Date.now() + 2_500;
    for (let i = 0; Date.now() < end; i++) {
      writeFileSync(join(dir, 'busy.bin'), String(i));
      writeFileSync(join(dir, 'spool', `f${i % 500}`), String(i));
      if (i % 50 === 0) writeFileSync(join(dir, 'other.yaml'), ruleYaml('Other', 'x'));
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 500)); // past the debounce
    expect(await metric(registry, 'vigil_rules_reloads_total')).toBe(0);

    writeFileSync(file, ruleYaml('Rule B', 'beta'));
    await until('the edited rules', () => loads === 2);
    const applied = (await registry.getSingleMetric('vigil_rules_reloads_total')!.get()).values.find((v) => v.labels.outcome === 'applied');
    expect(applied?.value).toBe(1);
  });
});
