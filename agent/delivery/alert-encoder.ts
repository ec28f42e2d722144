import type { Envelope } from './envelope.js';
import { begin, bytes, close, open, str, u64Fixed, uint, value } from './proto-writer.js';

/**
 * A direct encoder for the envelopes that flow at volume (alerts and loss
 * notices): protobufjs's Writer allocates an operation object per field and
 * the message objects it encodes from, which measured as most of the cost of
 * delivering an alert (GC included). This writes the same bytes straight
 * into one reusable buffer. The field numbers are those of
 * proto/vigil/v1/envelope.proto; a unit test decodes its output with
 * protobufjs against that file and compares it with the generic encoder's
 * (wire.ts) for real alerts and hostile strings, so the two cannot drift.
 */

/** vigil.v1.Priority by upper-cased Falco priority text. */
const PRIORITY: Readonly<Record<string, number>> = {
  DEBUG: 1,
  INFORMATIONAL: 2,
  INFO: 2,
  NOTICE: 3,
  WARNING: 4,
  ERROR: 5,
  CRITICAL: 6,
  ALERT: 7,
  EMERGENCY: 8,
};
/** The engine's own spelling (Falco's capitalization), looked up without building an upper-cased copy. */
const CAPITALIZED: ReadonlyMap<string, number> = new Map(Object.entries(PRIORITY).map(([k, v]) => [k[0] + k.slice(1).toLowerCase(), v] as const));

/** The Priority enum value of a Falco priority text, any case (0 when unknown). */
export function priorityNumber(text: string): number {
  return CAPITALIZED.get(text) ?? PRIORITY[text.toUpperCase()] ?? 0;
}

/**
 * The Envelope's bytes for kind 'alert' or 'loss'; undefined for other kinds
 * (the generic encoder does those). Without `common`, node, boot id and event
 * id are left out (a COMPACT stream's loss notice; compact.ts).
 */
export function encodeAlertOrLoss(env: Envelope, common = true): Uint8Array | undefined {
  if (env.kind === 'alert' ? env.alert === undefined : env.kind !== 'loss' || env.loss === undefined) return undefined;
  begin();
  if (common) {
    str(1, env.node);
    str(2, env.bootId);
  }
  uint(3, env.sequence);
  u64Fixed(4, env.timeNs);
  if (common) str(5, env.eventId);
  if (env.kind === 'alert') {
    const a = env.alert!;
    const at = open(16);
    str(1, a.time);
    str(2, a.rule);
    uint(3, priorityNumber(a.priority));
    str(4, a.priority);
    str(5, a.output);
    const fields = a.output_fields;
    for (const k in fields) {
      const entry = open(6);
      str(1, k);
      const v = fields[k]!;
      // A map value is always written, even Falco's null (an empty Value), so the key survives.
      const val = open(2);
      value(v);
      close(val);
      close(entry);
    }
    str(7, a.hostname);
    str(8, a.source);
    for (const t of a.tags) str(9, t, true);
    close(at);
  } else {
    const l = env.loss!;
    const at = open(17);
    uint(1, l.firstSequence);
    uint(2, l.lastSequence);
    uint(3, l.count);
    str(4, l.reason);
    close(at);
  }
  return bytes();
}
