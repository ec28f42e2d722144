import type { RuleSet } from './compiler/index.js';

/** Process details that cost a read per process, and whether a running rule looks at them. */
export interface ProcReadNeeds {
  /** thread.cap_* (host processes then get their status read too). */
  readonly capabilities: boolean;
  /** user.loginuid, user.loginname. */
  readonly loginuid: boolean;
  /** proc.env, proc.aenv. */
  readonly env: boolean;
}

const USES = {
  capabilities: /\bthread\.cap_/,
  loginuid: /\buser\.login(uid|name)\b/,
  env: /\bproc\.a?env\b/,
} as const;

/**
 * What the active rules' conditions and outputs use, so the agent reads
 * environ, loginuid or a host process's status only while some rule needs
 * them. Matched on the canonical condition text: a literal that spells a
 * field name only costs some reads, never a missed field.
 */
export function procReadNeeds(ruleSet: RuleSet): ProcReadNeeds {
  const needs = { capabilities: false, loginuid: false, env: false };
  for (const r of ruleSet.rules) {
    const text = `${r.node.key}\n${r.output.keys.join('\n')}`;
    for (const k of Object.keys(USES) as (keyof typeof USES)[]) if (!needs[k] && USES[k].test(text)) needs[k] = true;
  }
  return needs;
}
