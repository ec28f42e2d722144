import type { Alert } from '../../rules/alert.js';

/**
 * What every delivery path carries: the gRPC stream, the in-memory ring and
 * each push output. The wire form is proto/vigil/v1 (Envelope); this is its
 * in-process shape. Sequence numbers are per agent boot, from 1, without gaps,
 * so a receiver can tell exactly what it missed; `eventId` is unique and kept
 * by every retry, so receivers can drop duplicates.
 */
export interface Envelope {
  readonly node: string;
  readonly bootId: string;
  readonly sequence: number;
  readonly eventId: string;
  /** Event time, nanoseconds since the epoch. */
  readonly timeNs: bigint;
  readonly kind: EnvelopeKind;
  /** kind 'alert': Falco's alert JSON, as the json output prints it. */
  readonly alert?: Alert;
  /** kind 'loss': what a receiver missed, announced in-band. */
  readonly loss?: LossNotice;
  /** Event kinds: the event's fields, Falco names to values (unknown ones absent). */
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
}

export type EnvelopeKind = 'exec' | 'exit' | 'connection' | 'stdio' | 'container' | 'metric' | 'alert' | 'loss';

/** A gap a receiver will never get back: envelopes first..last (inclusive), `count` of them, and why. */
export interface LossNotice {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly count: number;
  readonly reason: string;
}

/** A consumer of envelopes (a gRPC subscriber, a push output). `deliver` never throws and never blocks. */
export interface EnvelopeSink {
  deliver(envelope: Envelope): void;
}
