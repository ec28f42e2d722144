import type { AuditPlan } from '../../collectors/audit/types.js';
import { AUDIT_EVENT_TYPES } from '../../rules/event.js';

/** The part of a compiled rule the plan reads (rules/compiler CompiledRule). */
export interface PlannedRule {
  readonly source: string;
  /** The evt.type values the rule can match; null when its condition does not restrict evt.type. */
  readonly evtTypes: ReadonlySet<string> | null;
}

const AUDITABLE: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);
/** Connections feed the pod-connection edges and the unobserved-connection count whichever end a rule names. */
const CONNECTION = ['connect', 'accept', 'accept4'];

/**
 * What the kernel should audit for these rules: the syscalls named by the
 * evt.type index of the active syscall rules, and nothing else, so the cost
 * follows what the rules ask for (no rule on openat, no openat auditing). A
 * rule that does not restrict evt.type asks for nothing: auditing every
 * syscall for it would cost every process on the node. Any connection type
 * brings all three (connect, accept, accept4) and socket (which tells a TCP
 * connect from a UDP one).
 */
export function auditPlanFor(rules: readonly PlannedRule[]): AuditPlan {
  const syscalls = new Set<string>();
  for (const r of rules) {
    if (r.source !== 'syscall' || r.evtTypes === null) continue;
    for (const t of r.evtTypes) if (AUDITABLE.has(t)) syscalls.add(t);
  }
  if (CONNECTION.some((t) => syscalls.has(t))) for (const t of [...CONNECTION, 'socket']) syscalls.add(t);
  return { syscalls: [...syscalls].sort() };
}
