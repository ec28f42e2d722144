import type { Alert } from '../../rules/alert.js';
import { escapeControl, jsonSafe } from './escape.js';

export type { Alert } from '../../rules/alert.js';

/**
 * Falco's alert JSON with a fixed key order (time, rule, priority, output,
 * output_fields, hostname, source, tags), whatever order the engine built
 * the object in, so lines diff and grep predictably.
 */
export function falcoJsonLine(a: Alert): string {
  return jsonSafe(
    JSON.stringify({
      time: a.time,
      rule: a.rule,
      priority: a.priority,
      output: a.output,
      output_fields: a.output_fields,
      hostname: a.hostname,
      source: a.source,
      tags: a.tags,
    }),
  );
}

/**
 * The formatted output without Falco's `HH:MM:SS.nnnnnnnnn: Priority `
 * prefix, for lines that print time and priority themselves.
 */
export function outputText(a: Alert): string {
  const prefix = /^\d{2}:\d{2}:\d{2}(?:\.\d+)?: (\S+) /.exec(a.output);
  const text = prefix && prefix[1] === a.priority ? a.output.slice(prefix[0].length) : a.output;
  // Control characters are attacker-chosen (process names, arguments): shown escaped, never interpreted.
  return escapeControl(text);
}
