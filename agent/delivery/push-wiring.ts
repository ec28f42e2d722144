import { randomUUID } from 'node:crypto';
import type { Alert } from '../../rules/alert.js';
import type { Envelope, EnvelopeSink } from './envelope.js';

/**
 * STOP-GAP until agent/delivery/hub.ts (issue 9, gRPC half) is merged: wraps
 * each alert the engine emits as an Envelope and hands it to every push
 * output. The hub replaces all of this: it assigns sequence numbers and
 * event ids to every envelope kind and fans out with hub.addSink(output).
 * Push outputs depend only on the Envelope contract, not on this numbering.
 */
export function createAlertFanout(identity: { readonly node: string; readonly bootId: string }, sinks: readonly EnvelopeSink[]): (alert: Alert) => void {
  let sequence = 0;
  return (alert) => {
    if (sinks.length === 0) return;
    const envelope: Envelope = {
      node: identity.node,
      bootId: identity.bootId,
      sequence: ++sequence,
      eventId: randomUUID(),
      timeNs: alertTimeNs(alert.time),
      kind: 'alert',
      alert,
    };
    for (const s of sinks) s.deliver(envelope);
  };
}

/** Nanoseconds since the epoch from an RFC 3339 time with up to 9 fraction digits (the time now if unparsable). */
export function alertTimeNs(time: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(time);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || !Number.isFinite(ms)) return BigInt(Date.now()) * 1_000_000n;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
