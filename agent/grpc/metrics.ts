import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../../core/metrics.js';

/** Why a subscriber missed envelopes (the `reason` label of vigil_grpc_subscriber_dropped_total). */
export type DropReason = 'queue_full' | 'ring_overrun';
const DROP_REASONS: readonly DropReason[] = ['queue_full', 'ring_overrun'];

/** One stream's counters, under its subscriber name. */
export interface SubscriberMetrics {
  /** `n` envelopes were written to the stream. */
  sent(n: number): void;
  dropped(reason: DropReason, n?: number): void;
  /** The stream ended: its name's series stay (a reconnect continues them) until evicted. */
  detach(): void;
}

export interface GrpcMetrics {
  readonly refused: Counter<'reason'>;
  /** Counts a new stream under `name`; `queued` is read at scrape time for the queue depth. */
  attach(name: string, queued: () => number): SubscriberMetrics;
}

/**
 * Names without a live stream whose series are kept. Names come from
 * clients, so they are bounded: past this many, the one idle longest loses
 * its series (live names are bounded by grpcMaxSubscribers).
 */
export const IDLE_NAMES_KEPT = 64;

// The live streams behind the gauges are per registry, so two servers on one registry count together.
const byRegistry = new WeakMap<Registry, GrpcMetrics>();

/** The gRPC server's metrics (vigil_grpc_*), one set per registry. */
export function grpcMetrics(registry: Registry): GrpcMetrics {
  let m = byRegistry.get(registry);
  if (m === undefined) {
    m = make(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

function make(registry: Registry): GrpcMetrics {
  // Live streams by subscriber name; a name without streams waits in `idle` (oldest first).
  const streams = new Map<string, Set<() => number>>();
  const idle = new Set<string>();
  const perName = (fill: (live: Set<() => number>) => number) =>
    function (this: Gauge<'subscriber'>) {
      this.reset();
      for (const [name, live] of streams) this.set({ subscriber: name }, fill(live));
    };
  const sent = counter(registry, {
    name: 'vigil_grpc_sent_total',
    help: 'Envelopes written to gRPC subscribers, by subscriber name (the subscriber_name of the request, else the peer address).',
    labelNames: ['subscriber'] as const,
  });
  const dropped = counter(registry, {
    name: 'vigil_grpc_subscriber_dropped_total',
    help: 'Envelopes a gRPC subscriber did not get, by reason (queue_full: it read too slowly; ring_overrun: it resumed from a sequence the ring no longer held).',
    labelNames: ['reason', 'subscriber'] as const,
  });
  const lastSent = gauge(registry, {
    name: 'vigil_grpc_subscriber_last_sent_timestamp_seconds',
    help: 'When a subscriber stream last took a batch of envelopes (Unix time).',
    labelNames: ['subscriber'] as const,
  });
  gauge(registry, {
    name: 'vigil_grpc_subscribers',
    help: 'Streams open to the gRPC event stream, by subscriber name (0 for a name seen lately with none open).',
    labelNames: ['subscriber'] as const,
    collect: perName((live) => live.size),
  });
  gauge(registry, {
    name: 'vigil_grpc_subscriber_queue_depth',
    help: 'Envelopes queued for a subscriber that reads slower than the agent publishes.',
    labelNames: ['subscriber'] as const,
    collect: perName((live) => {
      let n = 0;
      for (const queued of live) n += queued();
      return n;
    }),
  });

  function forget(name: string): void {
    streams.delete(name);
    sent.remove({ subscriber: name });
    lastSent.remove({ subscriber: name });
    for (const reason of DROP_REASONS) dropped.remove({ reason, subscriber: name });
  }

  return {
    refused: counter(registry, {
      name: 'vigil_grpc_subscribers_refused_total',
      help: 'Subscribe calls refused, by reason (max_subscribers: grpcMaxSubscribers were streaming; invalid_argument: a filter, name or encoding the agent cannot use).',
      labelNames: ['reason'] as const,
    }),
    attach(name, queued) {
      idle.delete(name);
      let live = streams.get(name);
      if (live === undefined) {
        live = new Set();
        streams.set(name, live);
      }
      live.add(queued);
      const sentChild = sent.labels({ subscriber: name });
      const lastChild = lastSent.labels({ subscriber: name });
      sentChild.inc(0); // the series exists from the first scrape, as a counter should
      let attached = true;
      return {
        sent(n) {
          sentChild.inc(n);
          lastChild.set(Date.now() / 1000);
        },
        dropped(reason, n = 1) {
          dropped.inc({ reason, subscriber: name }, n);
        },
        detach() {
          if (!attached) return;
          attached = false;
          const set = streams.get(name);
          set?.delete(queued);
          if (set === undefined || set.size > 0) return;
          idle.add(name);
          if (idle.size > IDLE_NAMES_KEPT) {
            const oldest = idle.values().next().value as string;
            idle.delete(oldest);
            forget(oldest);
          }
        },
      };
    },
  };
}
