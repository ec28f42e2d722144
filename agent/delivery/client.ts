import * as grpc from '@grpc/grpc-js';
import { createCompactReader } from './compact-render.js';
import { decodeBatch, SUBSCRIBE_PATH, SubscribeRequestType, type WireEnvelope } from './wire.js';

/** SubscribeRequest as protobufjs takes it (camelCase; enums as numbers or names). */
export interface SubscribeRequestObject {
  kinds?: (number | string)[];
  minPriority?: number | string;
  rules?: string[];
  namespaces?: string[];
  podNameRegex?: string;
  condition?: string;
  sinceSequence?: number;
  bootId?: string;
  /** ALERT_ENCODING_FULL (default) or ALERT_ENCODING_COMPACT. */
  encoding?: number | string;
  /** How the agent's metrics name this subscriber (label `subscriber`); the peer's address when unset. */
  subscriberName?: string;
}

export type { WireEnvelope } from './wire.js';

export interface SubscribeHandle {
  /** Ends the stream (the server sees a cancel). */
  cancel(): void;
  /** Resolves when the stream ends: null after a clean end or a cancel, the error otherwise. */
  readonly done: Promise<grpc.ServiceError | null>;
  /** Resolves once the agent has registered the subscription (it sends its headers then); never rejects. */
  readonly subscribed: Promise<void>;
}

export interface ClientOptions {
  readonly credentials?: grpc.ChannelCredentials;
  /** For a certificate whose name is not the address (tests: `localhost`). */
  readonly serverName?: string;
  /**
   * Hand envelopes over as they were sent (a COMPACT stream's schemas and
   * compact alerts as such). By default a COMPACT stream is rebuilt into
   * full envelopes (compact-render.ts), so callers see the same either way.
   */
  readonly raw?: boolean;
}

/**
 * A Subscribe call with grpc-js, decoding batches into envelopes one by one.
 * Used by `vigil tail`, the integration tests and bench/delivery. An
 * envelope the stream cannot be read past (a COMPACT protocol error) ends
 * the call with that error.
 */
export function subscribe(
  addr: string,
  request: SubscribeRequestObject,
  onEnvelope: (env: WireEnvelope) => void,
  opts: ClientOptions = {},
): SubscribeHandle & { client: grpc.Client; call: grpc.ClientReadableStream<Buffer> } {
  const options: grpc.ChannelOptions = opts.serverName ? { 'grpc.ssl_target_name_override': opts.serverName, 'grpc.default_authority': opts.serverName } : {};
  const client = new grpc.Client(addr, opts.credentials ?? grpc.credentials.createInsecure(), options);
  const msg = SubscribeRequestType.fromObject(request);
  const call = client.makeServerStreamRequest(
    SUBSCRIBE_PATH,
    () => Buffer.from(SubscribeRequestType.encode(msg).finish()),
    (b: Buffer) => b,
    {},
  );
  let cancelled = false;
  const reader = opts.raw ? undefined : createCompactReader();
  const subscribed = new Promise<void>((resolve) => call.once('metadata', () => resolve()));
  const done = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('data', (b: Buffer) => {
      let envs: WireEnvelope[];
      try {
        envs = decodeBatch(b);
        if (reader) envs = envs.map((e) => reader.read(e)).filter((e) => e !== undefined);
      } catch (err) {
        client.close();
        call.cancel();
        resolve(Object.assign(err as Error, { code: grpc.status.DATA_LOSS, details: (err as Error).message, metadata: new grpc.Metadata() }) as grpc.ServiceError);
        return;
      }
      for (const env of envs) onEnvelope(env);
    });
    call.on('error', (err: grpc.ServiceError) => {
      client.close();
      resolve(cancelled && err.code === grpc.status.CANCELLED ? null : err);
    });
    call.on('end', () => {
      client.close();
      resolve(null);
    });
  });
  return {
    client,
    call,
    done,
    subscribed,
    cancel() {
      cancelled = true;
      call.cancel();
    },
  };
}
