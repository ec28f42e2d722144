import { AUDIT_EVENT_TYPES, EVENT_TYPES } from '../event.js';
import type { FieldKind, RuleCatalog } from '../types.js';
import { FALCO_EVENT_TYPES } from './falco-event-types.js';
import { FALCO_FIELDS } from './falco-fields.js';
import { fieldExists, listFields } from './registry.js';

const FALCO_NAMES: ReadonlySet<string> = new Set(
  Object.values(FALCO_FIELDS)
    .flat()
    .map((n) => n.replace(/\[\]$/, '')),
);
/** Fields libsinsp also accepts as `field.NAME` (evt.arg.flags, evt.rawarg.res). */
const DOTTED_ARG_PREFIXES = ['evt.arg.', 'evt.rawarg.'];
const EVENT_TYPE_NAMES: ReadonlySet<string> = new Set([...FALCO_EVENT_TYPES, ...EVENT_TYPES, ...AUDIT_EVENT_TYPES]);

/** Provided by vigil, a real Falco/plugin field vigil lacks, or a name that is neither. */
export function fieldKind(name: string, arg?: string): FieldKind {
  if (fieldExists(name, arg)) return 'provided';
  if (FALCO_NAMES.has(name)) return 'falco';
  if (arg === undefined && DOTTED_ARG_PREFIXES.some((p) => name.startsWith(p) && name.length > p.length)) return 'falco';
  return 'unknown';
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent swaps, so
 * `nmae` is one edit from `name`), giving up past `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a few edits; earlier candidates win ties (vigil's own fields come first). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const max = word.length <= 4 ? 1 : word.length <= 12 ? 2 : 3;
  let best: string | undefined;
  let bestD = max + 1;
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(word, c, max);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function* fieldNames(): Generator<string> {
  for (const f of listFields()) yield f.name;
  yield* FALCO_NAMES;
}

function catalogEmitting(types: ReadonlySet<string>): RuleCatalog {
  return {
    fieldKind,
    suggestField: (name) => closest(name, fieldNames()),
    eventTypeKnown: (t) => EVENT_TYPE_NAMES.has(t),
    suggestEventType: (t) => closest(t, [...EVENT_TYPES, ...FALCO_EVENT_TYPES]),
    emittedEventTypes: types,
  };
}

/**
 * The sensor's catalog: its field registry, Falco's field and event tables,
 * and the event types an agent without the kernel audit source emits (so a
 * rule on `openat` alone counts as never firing there).
 */
export const sensorCatalog: RuleCatalog = catalogEmitting(new Set(EVENT_TYPES));

/** The catalog of an agent that audits: the audit source's event types fire too. */
export const auditSensorCatalog: RuleCatalog = catalogEmitting(new Set([...EVENT_TYPES, ...AUDIT_EVENT_TYPES]));

/** The catalog for an agent with (`true`) or without the audit source. */
export function catalogFor(audit: boolean): RuleCatalog {
  return audit ? auditSensorCatalog : sensorCatalog;
}
