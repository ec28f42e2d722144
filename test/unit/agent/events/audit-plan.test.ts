import { describe, expect, it } from 'vitest';
import { auditPlanFor } from '../../../../agent/events/audit-plan.js';
import { buildRuleTexts } from '../../../../rules/build.js';
import { auditSensorCatalog } from '../../../../rules/fields/index.js';

const rules = (yaml: string) => buildRuleTexts([{ path: 'r.yaml', text: yaml }], { catalog: auditSensorCatalog }).then((b) => b.ruleSet.rules);
const rule = (name: string, condition: string, extra = ''): string => `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: o\n  priority: WARNING\n${extra}`;

describe('the audit plan from the rules', () => {
  it('audits exactly the syscalls the active rules name', async () => {
    const r = await rules(
      rule('read', 'evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.name = /etc/shadow') +
        rule('ns', 'evt.type = setns') +
        rule('exec', 'evt.type = execve and proc.name = nc') +
        rule('off', 'evt.type = ptrace', '  enabled: false\n') +
        rule('metric', 'metric.subject = node', '  source: metrics\n'),
    );
    expect(auditPlanFor(r).syscalls).toEqual(['execve', 'open', 'openat', 'openat2', 'setns']);
  });

  it('no rule on files, no file auditing; a rule without an evt.type restriction asks for nothing', async () => {
    expect(auditPlanFor(await rules(rule('any', 'proc.name = nc', '  warn_evttypes: false\n'))).syscalls).toEqual([]);
    expect(auditPlanFor(await rules(rule('dup', 'evt.type = dup and evt.rawres = 1'))).syscalls).toEqual([]);
    expect(auditPlanFor([]).syscalls).toEqual([]);
  });

  it('any connection type brings connect, accept, accept4 and socket', async () => {
    expect(auditPlanFor(await rules(rule('c', 'evt.type = connect and fd.sport = 80'))).syscalls).toEqual(['accept', 'accept4', 'connect', 'socket']);
  });

  it("the default library's connection rules make it audit connections", async () => {
    const { buildRules } = await import('../../../../rules/build.js');
    const b = await buildRules([new URL('../../../../rules/library', import.meta.url).pathname], { catalog: auditSensorCatalog });
    expect(auditPlanFor(b.ruleSet.rules).syscalls).toEqual(expect.arrayContaining(['connect', 'accept', 'accept4', 'socket', 'execve']));
  });
});
