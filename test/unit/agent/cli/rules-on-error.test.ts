import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CONFIG, runAgentCommand } from '../../../../agent/cli/agent.js';
import { loadConfig } from '../../../../agent/config/index.js';

describe('vigil agent --rules-on-error', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('fail refuses to start on a rule file with an error: exit 2 naming the problem, nothing started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-i13-refuse-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'rules.yaml'), '- rule: Typo\n  desc: d\n  condition: evt.type = execve and proc.nmae = bash\n  output: o\n  priority: WARNING\n');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => (err += String(d)));
    const code = await runAgentCommand(['--rules', dir, '--rules-on-error', 'fail', '--log-level', 'fatal', '--metrics-addr', '127.0.0.1:0'], {}, { stdout, stderr });
    expect(code).toBe(EXIT_CONFIG);
    expect(err).toContain('refusing to start (--rules-on-error fail)');
    expect(err).toContain('rule "Typo"');
  });

  it('is one schema key: flag, env and default (skip)', () => {
    expect(loadConfig({ flags: {}, env: {} }).rulesOnError).toBe('skip');
    expect(loadConfig({ flags: {}, env: { VIGIL_RULES_ON_ERROR: 'fail' } }).rulesOnError).toBe('fail');
  });
});
