import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRulesTest } from '../../../../rules/cli/test.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRulesTest(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

describe('vigil rules test', () => {
  const rules = join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    [
      '- rule: Shell in container',
      '  desc: d',
      '  condition: evt.type = execve and container.id != host and proc.name = bash',
      '  output: Shell (cmd=%proc.cmdline container=%container.name)',
      '  priority: WARNING',
      '  tags: [shell]',
      '- rule: Disk full',
      '  desc: d',
      '  condition: fs.used_ratio > 0.9',
      '  output: disk %fs.mountpoint',
      '  priority: ERROR',
      '  source: metrics',
      '',
    ].join('\n'),
  );
  const events = join(dir, 'events.jsonl');
  writeFileSync(
    events,
    [
      '# comment',
      '{"type":"execve","timeMs":1700000000000,"proc":{"pid":1,"name":"bash","args":["-i"]},"container":{"id":"0123456789abcdef","name":"web"}}',
      '{"type":"execve","timeMs":1700000000001,"proc":{"pid":2,"name":"bash"}}',
      '{"type":"execve", oops',
      '',
      '{"type":"metric","timeMs":1700000000002,"metric":{"subject":"filesystem","values":{"fs.used_ratio":0.95},"labels":{"mountpoint":"/var"}}}',
    ].join('\n'),
  );

  it('prints the alerts as Falco JSON lines and reports bad event lines', async () => {
    const r = await run([rules, '--events', events, '--hostname', 'ci']);
    expect(r.code).toBe(0);
    const alerts = r.out.map((l) => JSON.parse(l));
    expect(alerts.map((a) => [a.rule, a.priority, a.source, a.hostname])).toEqual([
      ['Shell in container', 'Warning', 'syscall', 'ci'],
      ['Disk full', 'Error', 'metrics', 'ci'],
    ]);
    expect(alerts[0].output).toBe('22:13:20.000000000: Warning Shell (cmd=bash -i container=web)');
    expect(alerts[0].time).toBe('2023-11-14T22:13:20.000000000Z');
    expect(alerts[0].tags).toEqual(['shell']);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/events\.jsonl:4: not JSON/);
  });

  it('exits 1 with file:line:col when the rules do not load', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- rule: X\n  desc: d\n  condition: proc.pid = abc\n  output: x\n  priority: WARNING\n');
    const r = await run([bad, '--events', events]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err.join('\n')).toMatch(/bad\.yaml:\d+:\d+: .*abc/);
  });

  it('needs rules and events', async () => {
    expect((await run([rules])).code).toBe(2);
  });
});
