import type { Envelope, EnvelopeSink, LossNotice } from '../delivery/envelope.js';
import { encodeBatch } from '../delivery/wire.js';
import type { StreamEncoder } from '../delivery/compact.js';
import type { SubscriberMetrics } from './metrics.js';

/** What a subscriber writes to: the gRPC server stream (a Node Writable). */
export interface BatchWriter {
  write(batch: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface SubscriberConfig {
  /** Envelopes queued while the client reads slowly; beyond this they are dropped and announced. */
  readonly maxQueue: number;
  /** Most envelopes in one SubscribeResponse. */
  readonly maxBatch: number;
  readonly node: string;
  readonly bootId: string;
  /** Distinguishes this subscriber's loss notices' event ids. */
  readonly id: number;
  /** Batches to bytes: FULL (the default) or this stream's COMPACT encoder (compact.ts). */
  readonly encode?: StreamEncoder;
}

export interface Subscriber extends EnvelopeSink {
  /** Announces a gap found before streaming starts (a resume the ring cannot serve). */
  announceLoss(notice: LossNotice): void;
  /** Stops writing; queued envelopes are discarded (the client is gone). */
  close(): void;
  readonly queued: number;
}

/**
 * One subscriber's bounded queue between the hub (which must never wait)
 * and its stream (which waits for the client). `deliver` filters and queues
 * synchronously; writing happens on a later turn of the event loop, in
 * batches, pausing while the stream is full. When the queue is full, newer
 * envelopes are dropped (so the gap is one contiguous range), counted, and
 * announced in-band by a loss notice placed right after the last envelope
 * sent before the gap, as soon as the queue has room.
 *
 * A loss notice made here is not one of the agent's envelopes: it carries
 * sequence 0 and an event id naming this subscriber.
 */
export function createSubscriber(writer: BatchWriter, filter: (env: Envelope) => boolean, metrics: Pick<SubscriberMetrics, 'sent' | 'dropped'>, cfg: SubscriberConfig): Subscriber {
  let queue: Envelope[] = [];
  let head = 0;
  let scheduled = false;
  let waitingDrain = false;
  let closed = false;
  let notices = 0;
  const encode = cfg.encode ?? encodeBatch;
  // The gap being accumulated while the queue is full.
  let gap: { first: number; last: number; count: number } | undefined;

  const size = (): number => queue.length - head;

  function lossEnvelope(n: LossNotice): Envelope {
    return {
      node: cfg.node,
      bootId: cfg.bootId,
      sequence: 0,
      eventId: `${cfg.bootId}-loss-${cfg.id}-${++notices}`,
      timeNs: BigInt(Date.now()) * 1_000_000n,
      kind: 'loss',
      loss: n,
    };
  }

  function closeGap(): void {
    if (gap === undefined) return;
    queue.push(lossEnvelope({ firstSequence: gap.first, lastSequence: gap.last, count: gap.count, reason: 'subscriber_queue_full' }));
    gap = undefined;
  }

  function schedule(): void {
    if (scheduled || waitingDrain || closed) return;
    scheduled = true;
    setImmediate(pump);
  }

  function pump(): void {
    scheduled = false;
    while (!closed && size() > 0) {
      const n = Math.min(size(), cfg.maxBatch);
      const batch = queue.slice(head, head + n);
      head += n;
      if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      let ok: boolean;
      try {
        ok = writer.write(encode(batch));
      } catch {
        // The stream is gone (client cancelled between turns): nothing more to send.
        close();
        return;
      }
      metrics.sent(batch.length);
      // The queue has room again: the gap, if any, is announced next.
      if (gap !== undefined && size() < cfg.maxQueue) closeGap();
      if (!ok) {
        waitingDrain = true;
        writer.once('drain', () => {
          waitingDrain = false;
          schedule();
        });
        return;
      }
    }
    if (gap !== undefined) {
      closeGap();
      schedule();
    }
  }

  function close(): void {
    if (closed) return;
    closed = true;
    queue = [];
    head = 0;
  }

  return {
    get queued() {
      return size();
    },
    deliver(env) {
      if (closed || !filter(env)) return;
      if (gap !== undefined || size() >= cfg.maxQueue) {
        if (gap === undefined) gap = { first: env.sequence, last: env.sequence, count: 0 };
        gap.last = env.sequence;
        gap.count++;
        metrics.dropped('queue_full');
        return;
      }
      queue.push(env);
      schedule();
    },
    announceLoss(n) {
      if (closed) return;
      queue.push(lossEnvelope(n));
      schedule();
    },
    close,
  };
}
