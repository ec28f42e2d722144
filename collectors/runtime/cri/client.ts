import * as grpc from '@grpc/grpc-js';
import { runtimeServiceCtor } from './proto.js';
import type { Container, ContainerEvent, ContainerStatus, PodSandbox, PodSandboxStatus, StringMap, VersionResponse } from './types.js';

/** The RuntimeService calls vigil makes, promisified, each under a deadline. */
export interface CriClient {
  readonly socketPath: string;
  version(): Promise<VersionResponse>;
  listPodSandbox(): Promise<PodSandbox[]>;
  podSandboxStatus(id: string): Promise<{ status: PodSandboxStatus | null; info: StringMap }>;
  listContainers(filter?: { id?: string; pod_sandbox_id?: string }): Promise<Container[]>;
  containerStatus(id: string): Promise<{ status: ContainerStatus | null; info: StringMap }>;
  /** The runtime's event stream; `onEnd` gets the status (UNIMPLEMENTED on runtimes without it). */
  containerEvents(onEvent: (e: ContainerEvent) => void, onEnd: (err: grpc.ServiceError | undefined) => void): () => void;
  /** Any other unary call of our proto subset (the integration tests create pods with it). */
  call<T>(method: string, request: unknown): Promise<T>;
  close(): void;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/**
 * A client on the runtime's unix socket. grpc-js reconnects the channel by
 * itself; the caller decides what "down" means from call failures.
 */
export function createCriClient(socketPath: string, timeoutMs: number): CriClient {
  const Ctor = runtimeServiceCtor();
  const client = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    // Status answers of big nodes exceed the 4 MiB default on a full list.
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.enable_retries': 0,
  }) as grpc.Client & Record<string, unknown>;

  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const fn = client[method] as Unary | undefined;
      if (typeof fn !== 'function') {
        reject(new Error(`no CRI method ${method}`));
        return;
      }
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });

  return {
    socketPath,
    call,
    version: () => call<VersionResponse>('Version', { version: 'v1' }),
    listPodSandbox: async () => (await call<{ items: PodSandbox[] }>('ListPodSandbox', {})).items,
    // verbose: containerd gives the CNI result (k8s.pod.cni.json).
    podSandboxStatus: (id) => call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true }),
    listContainers: async (filter) => (await call<{ containers: Container[] }>('ListContainers', filter ? { filter } : {})).containers,
    // verbose: containerd and CRI-O put the OCI spec (privileged, pid) in info.
    containerStatus: (id) => call('ContainerStatus', { container_id: id, verbose: true }),
    containerEvents(onEvent, onEnd) {
      const stream = (client.GetContainerEvents as (req: unknown) => grpc.ClientReadableStream<ContainerEvent>).call(client, {});
      let ended = false;
      const end = (err: grpc.ServiceError | undefined): void => {
        if (ended) return;
        ended = true;
        onEnd(err);
      };
      stream.on('data', onEvent);
      stream.on('error', (err: grpc.ServiceError) => end(err));
      stream.on('end', () => end(undefined));
      return () => {
        ended = true;
        stream.cancel();
      };
    },
    close: () => client.close(),
  };
}
