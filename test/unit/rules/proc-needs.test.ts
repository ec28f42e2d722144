import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRuleTexts, buildRules } from '../../../rules/build.js';
import { procReadNeeds } from '../../../rules/index.js';

const rule = (name: string, condition: string, output = 'x'): string => `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: ${output}\n  priority: WARNING\n`;

async function needsOf(text: string) {
  const built = await buildRuleTexts([{ path: 'r.yaml', text }]);
  expect(built.errors).toEqual([]);
  return procReadNeeds(built.ruleSet);
}

describe('procReadNeeds', () => {
  it('asks for nothing when no active rule uses the costly fields', async () => {
    expect(await needsOf(rule('a', 'evt.type = execve and proc.name = sh'))).toEqual({ capabilities: false, loginuid: false, env: false });
  });
  it('sees them in conditions and outputs', async () => {
    expect(await needsOf(rule('a', 'evt.type = execve and thread.cap_effective contains CAP_SYS_ADMIN'))).toMatchObject({ capabilities: true, env: false });
    expect(await needsOf(rule('a', 'evt.type = execve and proc.env[HTTP_PROXY] != ""'))).toMatchObject({ env: true });
    expect(await needsOf(rule('a', 'evt.type = execve', 'login=%user.loginuid'))).toMatchObject({ loginuid: true });
  });
  it('ignores disabled rules', async () => {
    expect(await needsOf(`${rule('a', 'evt.type = execve and proc.env icontains X')}  enabled: false\n`)).toMatchObject({ env: false });
  });

  it('the default library asks for none: its rules cost no extra read per process', async () => {
    const built = await buildRules([join(import.meta.dirname, '..', '..', '..', 'rules', 'library')]);
    expect(built.errors).toEqual([]);
    expect(procReadNeeds(built.ruleSet)).toEqual({ capabilities: false, loginuid: false, env: false });
  });
});
