import type { OutputFilter } from './output-config.js';
import type { Envelope } from './envelope.js';
import { severityOf } from './priority.js';

/**
 * Whether a push output takes this envelope. Loss notices always pass: a
 * receiver that filters out the gap cannot know it has one.
 */
export function compileOutputFilter(f: OutputFilter): (e: Envelope) => boolean {
  const kinds = new Set(f.kinds);
  const maxSeverity = severityOf(f.minPriority);
  const rules = f.rules.length > 0 ? new Set(f.rules) : undefined;
  const namespaces = f.namespaces.length > 0 ? new Set(f.namespaces) : undefined;
  return (e) => {
    if (e.kind === 'loss') return true;
    if (!kinds.has(e.kind)) return false;
    if (e.alert) {
      if (severityOf(e.alert.priority) > maxSeverity) return false;
      if (rules && !rules.has(e.alert.rule)) return false;
    } else if (rules) return false;
    if (namespaces) {
      const ns = (e.alert?.output_fields ?? e.fields)?.['k8s.ns.name'];
      if (typeof ns !== 'string' || !namespaces.has(ns)) return false;
    }
    return true;
  };
}
