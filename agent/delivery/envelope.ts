import type { Alert } from '../../rules/alert.js';
import type { EventType, VigilEvent } from '../../rules/event.js';
import type { OutputLayout } from '../../rules/index.js';

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
  /**
   * The engine event behind it: the event itself for event kinds, the event
   * that raised the alert for 'alert'. In-process only (filters evaluate rule
   * conditions on it; the wire form's typed payloads are built from it).
   */
  readonly event?: VigilEvent;
  /**
   * kind 'alert': the rule's output text split around its field references.
   * In-process only: COMPACT streams send it once per schema (compact.ts)
   * instead of every alert's output text.
   */
  readonly outputLayout?: OutputLayout;
}

export type EnvelopeKind = 'exec' | 'exit' | 'connection' | 'stdio' | 'container' | 'metric' | 'alert' | 'loss';

/**
 * The envelope kind of each engine event type (listen is a connection
 * without a peer). The audit source's file and privilege events (openat,
 * setns, ptrace...) have no envelope payload yet: they reach subscribers
 * through the alerts they raise, not as envelopes of their own.
 */
export const KIND_OF_EVENT: Readonly<Partial<Record<EventType, EnvelopeKind>>> = {
  execve: 'exec',
  execveat: 'exec',
  procexit: 'exit',
  connect: 'connection',
  accept: 'connection',
  accept4: 'connection',
  listen: 'connection',
  dup: 'stdio',
  container: 'container',
  metric: 'metric',
};

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
