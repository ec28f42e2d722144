import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { dirname } from 'node:path';
import type { CollectorDeps } from '../../core/deps.js';
import type { Component } from '../../core/component.js';
import { formatAddr, type HostPort } from '../config/values.js';
import { ListenError } from '../errors.js';
import type { Hub } from '../delivery/hub.js';
import { PROTO_DIR, SERVICE_PROTO, SUBSCRIBE_PATH, SubscribeRequestType } from '../delivery/wire.js';
import { compileFilter, FilterError, type SubscribeFilters } from './filter.js';
import { grpcMetrics } from './metrics.js';
import { createSubscriber } from './subscriber.js';
import { subscriberName } from './subscriber-name.js';
import { streamEncoder } from '../delivery/compact.js';
import { serverCredentials, type GrpcTlsConfig } from './tls.js';

export interface GrpcServerConfig {
  readonly addr: HostPort;
  readonly hub: Hub;
  /** Envelopes queued per subscriber before drops (announced by loss notices). */
  readonly maxQueue: number;
  /** Most envelopes in one SubscribeResponse. */
  readonly maxBatch?: number;
  /** Subscribers streaming at once; more are refused with RESOURCE_EXHAUSTED (unlimited when unset). */
  readonly maxSubscribers?: number;
  readonly tls?: GrpcTlsConfig;
}

export interface GrpcServer extends Component {
  /** The bound address (port resolved when 0 was asked); undefined before start. */
  address(): HostPort | undefined;
}

/** The name the health service reports for the event stream ('' is the whole server). */
export const EVENT_SERVICE_NAME = 'vigil.v1.EventService';

const DEFAULT_MAX_BATCH = 256;

interface SubscribeRequest extends SubscribeFilters {
  readonly sinceSequence?: number | { toNumber(): number };
  readonly bootId?: string;
  /** AlertEncoding: 0 FULL, 1 COMPACT. */
  readonly encoding?: number;
  readonly subscriberName?: string;
}

/**
 * The gRPC listener: vigil.v1.EventService/Subscribe, the standard health
 * service and server reflection (v1 and v1alpha, so grpcurl needs no proto
 * file). Subscribe encodes with protobufjs from the memoized envelope bytes
 * (wire.ts), so a response is never re-encoded per subscriber.
 */
export function createGrpcServer(deps: CollectorDeps, cfg: GrpcServerConfig): GrpcServer {
  const metrics = grpcMetrics(deps.registry);
  const health = new HealthImplementation({ '': 'NOT_SERVING', [EVENT_SERVICE_NAME]: 'NOT_SERVING' });
  let server: grpc.Server | undefined;
  let bound: HostPort | undefined;
  let stopping: Promise<void> | undefined;
  let nextId = 0;
  const closers = new Set<() => void>();
  let stopTls: (() => void) | undefined;

  const subscribe: grpc.handleServerStreamingCall<SubscribeRequest, Buffer> = (call) => {
    const hub = cfg.hub;
    // Each stream holds a queue and HTTP/2 buffers: a client opening streams without end is refused, not served.
    if (cfg.maxSubscribers !== undefined && closers.size >= cfg.maxSubscribers) {
      metrics.refused.inc({ reason: 'max_subscribers' });
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `${cfg.maxSubscribers} subscribers are streaming already (grpcMaxSubscribers)` });
      return;
    }
    let filter: ReturnType<typeof compileFilter>;
    let name: string;
    try {
      filter = compileFilter(call.request);
      name = subscriberName(call.request.subscriberName, call.getPeer());
    } catch (err) {
      if (!(err instanceof FilterError)) deps.errors.report('grpc', 'filter', err);
      metrics.refused.inc({ reason: 'invalid_argument' });
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
      return;
    }
    const encoding = call.request.encoding ?? 0;
    if (encoding !== 0 && encoding !== 1) {
      metrics.refused.inc({ reason: 'invalid_argument' });
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: `encoding: unknown AlertEncoding ${encoding}` });
      return;
    }
    const counters = metrics.attach(name, () => sub.queued);
    const sub = createSubscriber(call, filter, counters, {
      maxQueue: cfg.maxQueue,
      maxBatch: cfg.maxBatch ?? DEFAULT_MAX_BATCH,
      node: hub.node,
      bootId: hub.bootId,
      id: ++nextId,
      encode: streamEncoder(encoding),
    });
    // Replay and registration in one synchronous turn: nothing can slip between them.
    const since = call.request.sinceSequence;
    if (since !== undefined) {
      let from = typeof since === 'number' ? since : since.toNumber();
      if (call.request.bootId && call.request.bootId !== hub.bootId) {
        // Resumed across an agent restart: what the old boot made after `since` is gone.
        sub.announceLoss({ firstSequence: from + 1, lastSequence: from, count: 0, reason: 'agent_restarted' });
        from = 0;
      }
      const resume = hub.since(from);
      if (resume.lost) {
        const n = resume.lost.lastSequence - resume.lost.firstSequence + 1;
        counters.dropped('ring_overrun', n);
        sub.announceLoss({ ...resume.lost, count: n, reason: 'ring_overrun' });
      }
      for (const env of resume.envelopes) sub.deliver(env);
    }
    const remove = hub.addSink(sub);
    // Headers now, not with the first envelope: the client knows it is subscribed.
    call.sendMetadata(new grpc.Metadata());
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      remove();
      sub.close();
      closers.delete(closeCall);
      counters.detach();
    };
    const closeCall = (): void => {
      end();
      call.end();
    };
    closers.add(closeCall);
    call.on('cancelled', end);
    call.on('close', end);
    call.on('error', end);
  };

  return {
    name: 'grpc',
    address: () => bound,
    async start() {
      if (server) return;
      // Certificates first: a bad file fails the start before anything listens.
      const tls = cfg.tls ? await serverCredentials(cfg.tls, () => deps.log.info('gRPC TLS certificate reloaded')) : undefined;
      stopTls = tls?.stop;
      const s = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1 });
      server = s;
      s.addService(
        {
          Subscribe: {
            path: SUBSCRIBE_PATH,
            requestStream: false,
            responseStream: true,
            requestSerialize: (r: SubscribeRequest) => Buffer.from(SubscribeRequestType.encode(r).finish()),
            requestDeserialize: (b: Buffer) => SubscribeRequestType.toObject(SubscribeRequestType.decode(b), { longs: Number }) as SubscribeRequest,
            responseSerialize: (b: Buffer) => b,
            responseDeserialize: (b: Buffer) => b,
          },
        },
        { Subscribe: subscribe },
      );
      health.addToServer(s);
      const definitions = protoLoader.loadSync([SERVICE_PROTO, HEALTH_PROTO], { includeDirs: [PROTO_DIR, dirname(HEALTH_PROTO)] });
      new ReflectionService(definitions).addToServer(s);

      const creds = tls?.credentials ?? grpc.ServerCredentials.createInsecure();
      const target = cfg.addr.host.includes(':') ? `[${cfg.addr.host}]:${cfg.addr.port}` : `${cfg.addr.host}:${cfg.addr.port}`;
      const port = await new Promise<number>((resolve, reject) => s.bindAsync(target, creds, (err, p) => (err ? reject(new ListenError(formatAddr(cfg.addr), err)) : resolve(p)))).catch(
        (err: unknown) => {
          server = undefined;
          stopTls?.();
          throw err;
        },
      );
      bound = { host: cfg.addr.host, port };
      health.setStatus('', 'SERVING');
      health.setStatus(EVENT_SERVICE_NAME, 'SERVING');
      deps.log.info({ address: formatAddr(bound), tls: cfg.tls ? (cfg.tls.clientCaFile ? 'mtls' : 'tls') : 'none' }, `gRPC event stream on ${formatAddr(bound)}`);
    },
    stop() {
      stopping ??= (async () => {
        const s = server;
        if (!s) return;
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(EVENT_SERVICE_NAME, 'NOT_SERVING');
        // Streams never end on their own: end them, then let the server drain briefly.
        for (const close of [...closers]) close();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            s.forceShutdown();
            resolve();
          }, 300);
          force.unref();
          s.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        stopTls?.();
      })();
      return stopping;
    },
  };
}
