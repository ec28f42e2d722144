/**
 * Falco's priorities, most severe first: the index is the syslog severity
 * (RFC 5424: 0 Emergency … 7 Debug), which is how Falco maps them too.
 */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type PriorityName = (typeof PRIORITIES)[number];

/** Syslog severity of a priority as an alert carries it (any case; `info` too); unknown ones rank as Debug. */
export function severityOf(priority: string): number {
  const p = priority.toLowerCase();
  const i = PRIORITIES.findIndex((n) => n.toLowerCase() === p || (p === 'info' && n === 'Informational'));
  return i < 0 ? PRIORITIES.length - 1 : i;
}
