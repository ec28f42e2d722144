import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../../../rules/compiler/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { fieldExists } from '../../../../rules/fields/index.js';
import { loadRuleTexts } from '../../../../rules/load.js';
import { engineWith } from '../compiler/helpers.js';

const FALCO = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'corpora', 'falco', 'falco_rules.yaml');
const missing = existsSync(FALCO) ? undefined : `${FALCO} is absent (../shared is only beside the repo in CI and sessions)`;
if (missing) console.warn(`[vigil] skipping Falco compatibility tests: ${missing}`);

/**
 * Falco's own rules must fire unchanged where vigil sees the
 * behavior. The reverse-shell rule of Falco's stable file keys on a `dup`
 * event with evt.rawres in (0,1,2) and an ip socket, plus evt.num through
 * its never_true macro.
 */
describe.skipIf(missing)("Falco's stable rules on vigil's events", () => {
  const load = loadRuleTexts([{ path: FALCO, text: existsSync(FALCO) ? readFileSync(FALCO, 'utf8') : '' }], { fieldExists });
  const { ruleSet } = compileRuleSet(load, { ruleMatching: 'all' });
  const active = new Set(ruleSet.summary.filter((s) => s.state === 'active').map((s) => s.name));

  it('keeps the process and reverse-shell rules active', () => {
    for (const rule of [
      'Redirect STDOUT/STDIN to Network Connection in Container',
      'Terminal shell in container',
      'Netcat Remote Code Execution in Container',
      'Drop and execute new binary in container',
    ])
      expect(active).toContain(rule);
  });

  it("raises Falco's reverse-shell rule on a dup event from a container", () => {
    const { engine, alerts } = engineWith(ruleSet);
    const dup: VigilEvent = {
      type: 'dup',
      source: 'syscall',
      timeMs: 1,
      num: 1,
      rawres: 1,
      proc: { pid: 10, name: 'sh', args: ['-i'], ancestors: [{ pid: 9, name: 'bash' }] },
      container: { id: 'abcdefabcdef0123', name: 'web' },
      fd: { type: 'ipv4', l4proto: 'tcp', cip: '10.0.0.5', cport: 40000, sip: '10.0.0.9', sport: 4444, rip: '10.0.0.9', rport: 4444, name: '10.0.0.5:40000->10.0.0.9:4444' },
    };
    engine.process(dup);
    engine.process({ ...dup, num: 2, container: undefined }); // on the host: the rule is scoped to containers
    expect(alerts.map((a) => a.rule)).toEqual(['Redirect STDOUT/STDIN to Network Connection in Container']);
    expect(alerts[0]!.output_fields).toMatchObject({ 'fd.sip': '10.0.0.9', 'fd.rport': 4444, 'fd.type': 'ipv4' });
  });
});
