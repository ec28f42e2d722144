import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where our CRI subset lives, from sources (collectors/runtime/cri) or from dist/. */
export function criProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto', 'cri', 'v1', 'api.proto');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`vigil: proto/cri/v1/api.proto not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export type RuntimeServiceClient = grpc.Client & Record<string, grpc.MethodDefinition<unknown, unknown> | ((...args: unknown[]) => unknown)>;
type ClientCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;

let ctor: ClientCtor | undefined;

/**
 * The RuntimeService client constructor, loaded once. Fields keep their
 * proto names (snake_case), int64 arrive as strings (nanoseconds do not fit
 * a double), enums as their names.
 */
export function runtimeServiceCtor(): ClientCtor {
  if (ctor) return ctor;
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ClientCtor } } };
  ctor = pkg.runtime.v1.RuntimeService;
  return ctor;
}
