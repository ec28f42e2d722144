import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { counter } from '../../core/metrics.js';
import type { ErrorReporter } from '../../core/deps.js';
import type { Alert } from '../../rules/alert.js';
import type { VigilEvent } from '../../rules/event.js';
import type { OutputLayout } from '../../rules/index.js';
import { KIND_OF_EVENT, type Envelope, type EnvelopeKind, type EnvelopeSink, type LossNotice } from './envelope.js';
import { eventFieldValues } from './event-fields.js';

export interface HubConfig {
  /** Node name every envelope carries. */
  readonly node: string;
  /** Envelopes kept in memory for `since` (subscribers resuming after a disconnect). */
  readonly ringSize: number;
  /** Injectable for tests; a random UUID per agent process otherwise. */
  readonly bootId?: string;
}

export interface HubDeps {
  readonly registry: Registry;
  readonly errors: ErrorReporter;
}

/** What the ring still holds after a sequence, and what it no longer does. */
export interface Resume {
  /** Envelopes after the asked sequence, in order. */
  readonly envelopes: readonly Envelope[];
  /** Set when envelopes after the asked sequence already left the ring. */
  readonly lost?: { readonly firstSequence: number; readonly lastSequence: number };
}

/**
 * The single source of envelopes: numbers every engine event and alert
 * (sequence from 1 per boot, without gaps), keeps the last `ringSize` in a
 * ring for resuming subscribers, and hands each to every sink synchronously.
 * Sinks must not block (EnvelopeSink's contract); one that throws is reported
 * and the others still get the envelope.
 */
export interface Hub {
  readonly bootId: string;
  readonly node: string;
  /** Sequence of the last envelope made (0 before the first). */
  readonly lastSequence: number;
  publishEvent(event: VigilEvent): void;
  /** `layout`: the rule's output layout (the engine hands it over; COMPACT streams use it). */
  publishAlert(alert: Alert, event?: VigilEvent, layout?: OutputLayout): void;
  /** Announces a loss the agent itself caused upstream (not per sink); numbered like any envelope. */
  publishLoss(notice: Omit<LossNotice, 'count'> & { count?: number }, timeNs?: bigint): void;
  /** Adds a sink; returns its removal. */
  addSink(sink: EnvelopeSink): () => void;
  /** Envelopes after `sequence` that the ring still holds, and the range it no longer holds. */
  since(sequence: number): Resume;
}

const NS_PER_MS = 1_000_000n;

/** An envelope whose `fields` are computed only when a consumer reads them. */
class HubEnvelope implements Envelope {
  private cachedFields?: Readonly<Record<string, string | number | boolean | null>> = undefined;
  /** Its protobuf bytes, set by the first encodeEnvelope (wire.ts) and shared by every subscriber. */
  wire: Uint8Array | undefined = undefined;
  /** Its COMPACT bytes and schema, set by the first compact encoding (compact.ts), shared likewise. */
  compactWire: Uint8Array | undefined = undefined;
  compactSchema: unknown = undefined;
  constructor(
    readonly node: string,
    readonly bootId: string,
    readonly sequence: number,
    readonly eventId: string,
    readonly timeNs: bigint,
    readonly kind: EnvelopeKind,
    readonly event: VigilEvent | undefined,
    readonly alert: Alert | undefined,
    readonly loss: LossNotice | undefined,
    readonly outputLayout: OutputLayout | undefined,
  ) {}
  get fields(): Readonly<Record<string, string | number | boolean | null>> | undefined {
    if (this.kind === 'alert' || this.kind === 'loss' || this.event === undefined) return undefined;
    this.cachedFields ??= eventFieldValues(this.event);
    return this.cachedFields;
  }
}

export function createHub(deps: HubDeps, cfg: HubConfig): Hub {
  if (!Number.isInteger(cfg.ringSize) || cfg.ringSize < 1) throw new RangeError(`ringSize must be a positive integer (got ${cfg.ringSize})`);
  const bootId = cfg.bootId ?? randomUUID();
  const ring: (Envelope | undefined)[] = new Array(cfg.ringSize);
  const sinks: EnvelopeSink[] = [];
  let last = 0;
  // Counted in plain numbers on the hot path, handed to prom-client at scrape time.
  const counts = new Map<EnvelopeKind, number>();
  counter(deps.registry, {
    name: 'vigil_envelopes_total',
    help: 'Envelopes made by the delivery hub (events, alerts, loss notices), by kind.',
    labelNames: ['kind'] as const,
    collect() {
      for (const [kind, n] of counts) if (n > 0) this.inc({ kind }, n);
      counts.clear();
    },
  });

  function publish(kind: EnvelopeKind, timeNs: bigint, event?: VigilEvent, alert?: Alert, loss?: LossNotice, layout?: OutputLayout): void {
    const sequence = ++last;
    const env = new HubEnvelope(cfg.node, bootId, sequence, `${bootId}-${sequence}`, timeNs, kind, event, alert, loss, layout);
    ring[(sequence - 1) % cfg.ringSize] = env;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    for (let i = 0; i < sinks.length; i++) {
      try {
        sinks[i]!.deliver(env);
      } catch (err) {
        deps.errors.report('delivery', 'sink', err);
      }
    }
  }

  return {
    bootId,
    node: cfg.node,
    get lastSequence() {
      return last;
    },
    publishEvent(event) {
      const kind = KIND_OF_EVENT[event.type];
      if (kind !== undefined) publish(kind, BigInt(Math.trunc(event.timeMs)) * NS_PER_MS, event);
    },
    publishAlert(alert, event, layout) {
      const ms = event?.timeMs ?? Date.parse(alert.time);
      publish('alert', alertTimeNs(alert.time, ms), event, alert, undefined, layout);
    },
    publishLoss(notice, timeNs) {
      const count = notice.count ?? notice.lastSequence - notice.firstSequence + 1;
      publish('loss', timeNs ?? BigInt(Date.now()) * NS_PER_MS, undefined, undefined, { ...notice, count });
    },
    addSink(sink) {
      sinks.push(sink);
      return () => {
        const i = sinks.indexOf(sink);
        if (i >= 0) sinks.splice(i, 1);
      };
    },
    since(sequence) {
      const oldest = Math.max(1, last - cfg.ringSize + 1);
      const from = Math.max(sequence + 1, oldest);
      const envelopes: Envelope[] = [];
      for (let s = from; s <= last; s++) envelopes.push(ring[(s - 1) % cfg.ringSize]!);
      if (sequence + 1 < oldest) return { envelopes, lost: { firstSequence: sequence + 1, lastSequence: oldest - 1 } };
      return { envelopes };
    },
  };
}

// Alerts come in bursts within one second: its parse is kept for the next alert.
let lastSecond = '';
let lastSecondNs = 0n;

/** Falco's alert time (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`) to ns since the epoch, keeping the nanoseconds the text carries. */
function alertTimeNs(time: string, fallbackMs: number): bigint {
  const dot = time.length === 30 && time.charCodeAt(19) === 46 /* . */ && time.charCodeAt(29) === 90 /* Z */;
  if (dot) {
    const second = time.slice(0, 19);
    if (second !== lastSecond) {
      const ms = Date.parse(`${second}Z`);
      if (Number.isFinite(ms)) {
        lastSecond = second;
        lastSecondNs = BigInt(ms) * NS_PER_MS;
      }
    }
    const frac = Number(time.slice(20, 29));
    if (second === lastSecond && Number.isInteger(frac) && frac >= 0) return lastSecondNs + BigInt(frac);
  }
  return BigInt(Math.trunc(Number.isFinite(fallbackMs) ? fallbackMs : Date.now())) * NS_PER_MS;
}
