import type { Envelope } from '../envelope.js';

/**
 * An envelope as one JSON object: the spool's record payload, the JSON
 * lines file and the NATS message body. `timeNs` becomes a decimal string
 * (JSON numbers lose nanoseconds) and `time` is added as RFC 3339 for people.
 * JSON.stringify escapes quotes, backslashes and every control character,
 * and writes a lone surrogate (bytes that were not UTF-8) as `\udXXX`; U+2028
 * and U+2029, which it leaves raw, are escaped here (line breaks to Python's
 * splitlines), so no value can end a line or a string early.
 */
export function envelopeJson(e: Envelope): string {
  return JSON.stringify({
    eventId: e.eventId,
    sequence: e.sequence,
    node: e.node,
    bootId: e.bootId,
    time: rfc3339Nanos(e.timeNs),
    timeNs: e.timeNs.toString(),
    kind: e.kind,
    ...(e.alert ? { alert: e.alert } : {}),
    ...(e.loss ? { loss: e.loss } : {}),
    ...(e.fields ? { fields: e.fields } : {}),
  }).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/** The inverse of envelopeJson (the spool reads its own records back). */
export function parseEnvelopeJson(text: string): Envelope {
  const o = JSON.parse(text) as Record<string, unknown> & { timeNs: string };
  return {
    eventId: o.eventId as string,
    sequence: o.sequence as number,
    node: o.node as string,
    bootId: o.bootId as string,
    timeNs: BigInt(o.timeNs),
    kind: o.kind as Envelope['kind'],
    ...(o.alert ? { alert: o.alert as Envelope['alert'] } : {}),
    ...(o.loss ? { loss: o.loss as Envelope['loss'] } : {}),
    ...(o.fields ? { fields: o.fields as Envelope['fields'] } : {}),
  };
}

/** `2026-01-02T03:04:05.123456789Z` from nanoseconds since the epoch. */
export function rfc3339Nanos(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
