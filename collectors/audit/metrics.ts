import type { Registry } from 'prom-client';
import { counter, gauge } from '../../core/metrics.js';
import type { GroupClose } from './assemble.js';
import type { AuditStatusWire } from './proto.js';

export type AuditMode = 'unicast' | 'multicast' | 'off' | 'failed';
/**
 * Why records were lost: `kernel` (the kernel's own lost counter rose:
 * backlog full or rate limit), `socket_overrun` (ENOBUFS on vigil's socket;
 * the count is unknown, each overrun counts 1), `malformed` (unparseable),
 * `group_full` (a record beyond maxRecordsPerGroup).
 */
export type AuditLossReason = 'kernel' | 'socket_overrun' | 'malformed' | 'group_full';

export interface AuditMetrics {
  mode(mode: AuditMode): void;
  immutable(on: boolean): void;
  kernelStatus(s: AuditStatusWire): void;
  lost(reason: AuditLossReason, n: number): void;
  record(eventRecord: boolean): void;
  event(): void;
  closed(how: GroupClose): void;
  ruleSyscalls(n: number): void;
  staleRemoved(n: number): void;
  ruleReadded(): void;
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  const info = gauge(registry, {
    name: 'vigil_audit_source_info',
    help: 'How the kernel audit source receives records (1 for the mode in use): unicast, multicast, off or failed.',
    labelNames: ['mode'],
  });
  const immutable = gauge(registry, { name: 'vigil_audit_immutable', help: '1 when the kernel audit configuration is locked (auditctl -e 2): vigil cannot add or remove its rules.' });
  const backlog = gauge(registry, { name: 'vigil_audit_backlog', help: 'Records waiting in the kernel audit backlog at the last status read.' });
  const backlogLimit = gauge(registry, { name: 'vigil_audit_backlog_limit', help: 'The kernel audit backlog limit (records) at the last status read.' });
  const rateLimit = gauge(registry, { name: 'vigil_audit_rate_limit', help: 'The kernel audit rate limit in records per second (0: none) at the last status read.' });
  const kernelLost = gauge(registry, { name: 'vigil_audit_kernel_lost', help: "The kernel's own count of lost audit records since boot, at the last status read." });
  const lost = counter(registry, {
    name: 'vigil_audit_lost_total',
    help: 'Audit records lost, by reason (kernel: the kernel lost counter rose while vigil ran; socket_overrun: receive buffer overflowed; malformed; group_full).',
    labelNames: ['reason'],
  });
  const records = counter(registry, {
    name: 'vigil_audit_records_total',
    help: 'Audit records received, by class (event: part of a syscall event; other: not a syscall record).',
    labelNames: ['class'],
  });
  const events = counter(registry, { name: 'vigil_audit_events_total', help: 'Syscall events assembled from audit records and handed to listeners.' });
  const closed = counter(registry, {
    name: 'vigil_audit_groups_closed_total',
    help: 'Record groups closed, by how (eoe, timeout without EOE, evicted when too many were open, flushed at stop).',
    labelNames: ['how'],
  });
  const ruleSyscalls = gauge(registry, { name: 'vigil_audit_rule_syscalls', help: "Syscalls vigil's own audit rule (key vigil) covers now." });
  const stale = counter(registry, { name: 'vigil_audit_stale_rules_removed_total', help: 'Rules keyed vigil left by an earlier agent (a crash) and removed at start.' });
  const readded = counter(registry, { name: 'vigil_audit_rule_readded_total', help: "Times vigil's audit rule was found deleted by someone else (auditctl -D) and added again." });
  for (const reason of ['kernel', 'socket_overrun', 'malformed', 'group_full'] as const) lost.inc({ reason }, 0);
  for (const c of ['event', 'other'] as const) records.inc({ class: c }, 0);
  for (const how of ['eoe', 'timeout', 'evicted', 'flushed'] as const) closed.inc({ how }, 0);
  // Per record and per event: label children bound once (a labelled inc() hashes its labels each time).
  const eventRecords = records.labels({ class: 'event' });
  const otherRecords = records.labels({ class: 'other' });
  const closedBy = { eoe: closed.labels({ how: 'eoe' }), timeout: closed.labels({ how: 'timeout' }), evicted: closed.labels({ how: 'evicted' }), flushed: closed.labels({ how: 'flushed' }) };
  return {
    mode: (mode) => {
      info.reset();
      info.set({ mode }, 1);
    },
    immutable: (on) => immutable.set(on ? 1 : 0),
    kernelStatus: (s) => {
      backlog.set(s.backlog);
      backlogLimit.set(s.backlogLimit);
      rateLimit.set(s.rateLimit);
      kernelLost.set(s.lost);
    },
    lost: (reason, n) => lost.inc({ reason }, n),
    record: (eventRecord) => (eventRecord ? eventRecords : otherRecords).inc(),
    event: () => events.inc(),
    closed: (how) => closedBy[how].inc(),
    ruleSyscalls: (n) => ruleSyscalls.set(n),
    staleRemoved: (n) => stale.inc(n),
    ruleReadded: () => readded.inc(),
  };
}
