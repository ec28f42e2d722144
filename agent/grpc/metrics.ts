import { Counter, Gauge, type Registry } from 'prom-client';

export interface GrpcMetrics {
  readonly subscribers: Gauge;
  readonly sent: Counter;
  readonly dropped: Counter<'reason'>;
  readonly refused: Counter<'reason'>;
}

const byRegistry = new WeakMap<Registry, GrpcMetrics>();

/** The gRPC server's metrics (vigil_grpc_*), one set per registry (prom-client refuses duplicate names). */
export function grpcMetrics(registry: Registry): GrpcMetrics {
  let m = byRegistry.get(registry);
  if (m === undefined) {
    m = make(registry);
    byRegistry.set(registry, m);
  }
  return m;
}

function make(registry: Registry): GrpcMetrics {
  return {
    subscribers: new Gauge({ name: 'vigil_grpc_subscribers', help: 'Subscribers connected to the gRPC event stream.', registers: [registry] }),
    sent: new Counter({ name: 'vigil_grpc_sent_total', help: 'Envelopes written to gRPC subscribers (each subscriber counts).', registers: [registry] }),
    dropped: new Counter({
      name: 'vigil_grpc_subscriber_dropped_total',
      help: 'Envelopes a gRPC subscriber did not get, by reason (queue_full: it read too slowly; ring_overrun: it resumed from a sequence the ring no longer held).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'vigil_grpc_subscribers_refused_total',
      help: 'Subscribe calls refused, by reason (max_subscribers: grpcMaxSubscribers were streaming; invalid_argument: a filter or encoding the agent cannot use).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
