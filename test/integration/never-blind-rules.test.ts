/**
 * Issue 7, defects 3, 4 and 6: a regex that backtracks catastrophically froze
 * the agent; a rules directory that disappeared and came back was never
 * watched again; a 50 MB rule file took 26.8 s and 3.9 GB to load and froze
 * a hot reload, during which nothing alerted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, openSync, closeSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { spawnRawAgent, until, type RawAgent } from './harness/raw-agent.js';

const skip = integrationUnavailable();
const repo = join(import.meta.dirname, '../..');
const MAIN = join(repo, 'dist/agent/main.js');

const markerRule = (name: string, extra = ''): string =>
  [`- rule: Marker ${name}`, '  desc: a test marker ran', `  condition: evt.type = execve and proc.name = ${name}${extra}`, `  output: ${name} ran (pid=%proc.pid)`, '  priority: NOTICE', ''].join(
    '\n',
  );

describe.skipIf(skip)('rules input that must not blind the agent', () => {
  let tmp = '';
  const agents: RawAgent[] = [];
  const marker = (name: string): string => {
    const p = join(tmp, name);
    // A shell that lives a moment (`-c 'sleep 0.5'`): a process that exits at
    // once can be gone before its /proc entry is read on a busy machine.
    copyFileSync('/bin/sh', p);
    chmodSync(p, 0o755);
    return p;
  };
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
    tmp = mkdtempSync(join(tmpdir(), 'vigil-i7-rules-'));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  async function start(rulesPath: string): Promise<{ agent: RawAgent; out: () => string }> {
    const agent = await spawnRawAgent(['--output', 'json', '--rules', rulesPath, '--rules-debounce-ms', '100']);
    agents.push(agent);
    let out = '';
    agent.child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));
    return { agent, out: () => out };
  }
  const alerted = async (out: () => string, bin: string, timeoutMs = 30_000): Promise<void> => {
    const pid = spawnSync(bin, ['-c', 'sleep 0.5']).pid!;
    await until(`an alert for ${bin} (pid ${pid})`, () => (out().includes(`ran (pid=${pid})`) ? true : undefined), timeoutMs);
  };

  it('a catastrophic-backtracking regex loads and evaluates in linear time: the agent keeps alerting', async () => {
    const dir = join(tmp, 'regex');
    mkdirSync(dir);
    const redos = marker('vigilredos');
    const after = marker('vigilregexafter');
    // The last rule uses a pattern RE2 does not support: it fails to load, with a clear message; the others run.
    writeFileSync(join(dir, 'rules.yaml'), markerRule('vigilredos', ' and proc.args regex "(a+)+$"') + markerRule('vigilregexafter') + markerRule('vigillookahead', ' and proc.args regex "(?=a)a"'));
    const { agent, out } = await start(dir);
    // 34 characters froze the backtracking engine for 30 s; every extra one doubled that.
    spawnSync(redos, ['-c', 'sleep 0.5', `${'a'.repeat(4000)}!`]);
    await alerted(out, after);
    expect((await agent.readyz()).status).toBe(200);
    expect(agent.stderr()).toMatch(/regex \\"\(\?=a\)a\\" is not supported \(RE2 syntax, matched in linear time\)/);
    expect(agent.stderr()).toContain('VIGIL_RULES_BAD_REGEX');
  });

  it('rules directory removed, replaced by a file, made unreadable and restored, then edited: the edit loads', async () => {
    const dir = join(tmp, 'watched');
    mkdirSync(dir);
    const first = marker('vigilwatchfirst');
    const edited = marker('vigilwatchedit');
    writeFileSync(join(dir, 'rules.yaml'), markerRule('vigilwatchfirst'));
    const { agent, out } = await start(dir);
    await alerted(out, first);
    const rejected = async () => (await agent.metric('vigil_rules_reloads_total', { outcome: 'rejected' })) ?? 0;

    rmSync(dir, { recursive: true });
    await until('a rejected reload while the directory is gone', async () => ((await rejected()) >= 1 ? true : undefined));
    writeFileSync(dir, 'not a directory\n'); // replaced by a file
    await until('a second rejected reload', async () => ((await rejected()) >= 2 ? true : undefined));
    rmSync(dir);
    mkdirSync(dir, { mode: 0o000 }); // back, without permissions
    writeFileSync(join(dir, 'rules.yaml'), markerRule('vigilwatchfirst'));
    chmodSync(dir, 0o000);
    await new Promise((r) => setTimeout(r, 2500));
    chmodSync(dir, 0o755); // permissions restored
    await new Promise((r) => setTimeout(r, 2500));
    // The edit after all that must load.
    writeFileSync(join(dir, 'rules.yaml.tmp'), markerRule('vigilwatchfirst') + markerRule('vigilwatchedit'));
    renameSync(join(dir, 'rules.yaml.tmp'), join(dir, 'rules.yaml'));
    await until(
      'the edited rules applied',
      async () => {
        spawnSync(edited, ['-c', 'sleep 0.5']);
        await new Promise((r) => setTimeout(r, 300));
        return out().includes('vigilwatchedit ran') ? true : undefined;
      },
      30_000,
    );
    await alerted(out, edited);
    expect((await agent.metric('vigil_rules_reloads_total', { outcome: 'applied' })) ?? 0).toBeGreaterThanOrEqual(1);
  });

  it('a 50 MB rule file is rejected before parsing, and the agent keeps alerting meanwhile', async () => {
    const dir = join(tmp, 'big');
    mkdirSync(dir);
    const bin = marker('vigilbigalive');
    writeFileSync(join(dir, 'a.yaml'), markerRule('vigilbigalive'));
    const { agent, out } = await start(dir);
    const rejectedBefore = (await agent.metric('vigil_rules_reloads_total', { outcome: 'rejected' })) ?? 0;
    const big = join(tmp, 'big.yaml.part');
    const fd = openSync(big, 'w');
    const item = markerRule('vigilbigfiller');
    const chunk = item.repeat(Math.ceil((1024 * 1024) / item.length));
    for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    closeSync(fd);
    const t0 = performance.now();
    renameSync(big, join(dir, 'z-big.yaml'));
    await alerted(out, bin);
    await until('the big file rejected', async () => (((await agent.metric('vigil_rules_reloads_total', { outcome: 'rejected' })) ?? 0) > rejectedBefore ? true : undefined));
    console.log(`[rules] 50 MB rule file rejected by the running agent ${(performance.now() - t0).toFixed(0)} ms after it appeared (poll 1 s + debounce 100 ms)`);
    expect(agent.stderr()).toContain('VIGIL_RULES_TOO_LARGE');
    await alerted(out, bin);
    const v0 = performance.now();
    const v = spawnSync(process.execPath, [MAIN, 'rules', 'validate', join(dir, 'z-big.yaml')], { encoding: 'utf8' });
    console.log(`[rules] vigil rules validate on the 50 MB file: exit ${v.status} in ${(performance.now() - v0).toFixed(0)} ms`);
    expect(v.status).toBe(1);
    expect(v.stdout + v.stderr).toMatch(/over the limit of \d+: not loaded.*VIGIL_RULES_TOO_LARGE/);
  });
});
