import * as grpc from '@grpc/grpc-js';
import { decodeBatch, SUBSCRIBE_PATH, SubscribeRequestType } from './wire.js';

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
}

/** A decoded envelope: 64-bit numbers as decimal strings, enums by name, `payload` names the oneof that is set. */
export type WireEnvelope = Record<string, unknown> & {
  node?: string;
  bootId?: string;
  sequence?: string;
  eventId?: string;
  timeUnixNano?: string;
  payload?: string;
};

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
}

/**
 * A Subscribe call with grpc-js, decoding batches into envelopes one by one.
 * Used by `vigil tail`, the integration tests and bench/delivery.
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
  const subscribed = new Promise<void>((resolve) => call.once('metadata', () => resolve()));
  const done = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('data', (b: Buffer) => {
      for (const env of decodeBatch(b)) onEnvelope(env as WireEnvelope);
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
