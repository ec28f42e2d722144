import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCriRuntime, CRI_RUNTIME_DEFAULTS, type CriRuntime } from '../../../../../collectors/runtime/cri/index.js';
import { criProtoPath } from '../../../../../collectors/runtime/cri/proto.js';
import { testDeps, type TestDeps } from '../../../../helpers/deps.js';

const SANDBOX = 's'.repeat(64);
const CTR = 'c'.repeat(64);

/**
 * A CRI runtime on a unix socket, speaking our proto subset with grpc-js:
 * one pod and, once `create()` is called, one container, announced on the
 * GetContainerEvents stream when `events` is on (else UNIMPLEMENTED, as
 * containerd 1.6 answers).
 */
async function fakeRuntime(socket: string, events: boolean) {
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition } } } };
  const server = new grpc.Server();
  const streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  let containers: unknown[] = [];
  let hanging = false;
  const sandboxStatus = {
    id: SANDBOX,
    metadata: { name: 'web-1', uid: 'u-1', namespace: 'shop', attempt: 0 },
    state: 'SANDBOX_READY',
    created_at: '1',
    network: { ip: '10.0.0.5', additional_ips: [] },
    linux: { namespaces: { options: { network: 'POD' } } },
    labels: { app: 'web' },
    annotations: {},
  };
  const container = {
    id: CTR,
    pod_sandbox_id: SANDBOX,
    metadata: { name: 'app', attempt: 0 },
    image: { image: 'r/app:1' },
    image_ref: `sha256:${'a'.repeat(64)}`,
    state: 'CONTAINER_RUNNING',
    created_at: '2',
    labels: {},
    annotations: {},
  };
  // While hanging, calls are accepted and never answered.
  const unary = (fn: (req: Record<string, unknown>) => unknown) => (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) =>
    hanging ? undefined : cb(null, fn(call.request));
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    Version: unary(() => ({ version: 'v1', runtime_name: 'containerd', runtime_version: '9.9', runtime_api_version: 'v1' })),
    ListPodSandbox: unary(() => ({ items: [sandboxStatus] })),
    PodSandboxStatus: (call: grpc.ServerUnaryCall<{ pod_sandbox_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
      call.request.pod_sandbox_id === SANDBOX ? cb(null, { status: sandboxStatus, info: {} }) : cb({ code: grpc.status.NOT_FOUND, details: 'not found' }),
    ListContainers: unary((req) => ({ containers: containers.filter((c) => !(req.filter as { id?: string } | undefined)?.id || (c as { id: string }).id === (req.filter as { id: string }).id) })),
    ContainerStatus: unary(() => ({ status: { ...container, started_at: '3' }, info: { info: JSON.stringify({ pid: 5, config: { linux: { security_context: { privileged: true } } } }) } })),
    GetContainerEvents: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      if (!events) {
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'method GetContainerEvents not implemented' });
        return;
      }
      streams.add(call);
      call.on('cancelled', () => streams.delete(call));
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return {
    hang(on: boolean) {
      hanging = on;
    },
    create() {
      containers = [container];
      for (const s of streams) s.write({ container_id: CTR, container_event_type: 'CONTAINER_STARTED_EVENT', created_at: '2', pod_sandbox_status: sandboxStatus, containers_statuses: [] });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.forceShutdown();
        resolve();
      }),
  };
}

const metric = async (deps: TestDeps, re: RegExp): Promise<string | undefined> => re.exec(await deps.registry.metrics())?.[1];

describe('CRI runtime source (grpc-js fake runtime on a unix socket)', () => {
  let dir: string;
  let runtime: CriRuntime | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cri-'));
  });
  afterEach(() => {
    runtime?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names a container from the event stream the moment the runtime announces it', async () => {
    const socket = join(dir, 'cri.sock');
    const fake = await fakeRuntime(socket, true);
    const deps = testDeps();
    runtime = createCriRuntime(deps, { ...CRI_RUNTIME_DEFAULTS, socketPath: socket, pollIntervalMs: 3_600_000 });
    await runtime.start();
    expect(runtime.up).toBe(true);
    expect(runtime.describe()).toBe(`containerd 9.9 at ${socket} (up, event stream)`);
    expect(await metric(deps, /^vigil_metadata_source_up\{source="cri"\} (\d)$/m)).toBe('1');
    expect(await metric(deps, /^vigil_runtime_up\{runtime="containerd"\} (\d)$/m)).toBe('1');
    expect(await runtime.inspect(CTR)).toEqual({ kind: 'not-found' });
    const announced = new Promise<string>((resolve) => runtime!.onContainer!(resolve));
    fake.create(); // no poll for an hour: only the stream can tell
    expect(await announced).toBe(CTR);
    const found = await runtime.inspect(CTR);
    expect(found).toMatchObject({ kind: 'found', details: { name: 'app', privileged: true, pid: 5, pod: { name: 'web-1', namespace: 'shop', uid: 'u-1', ips: ['10.0.0.5'], container: 'app' } } });
    expect(await runtime.inspect(SANDBOX)).toMatchObject({ kind: 'found', details: { name: 'POD' } });
    await fake.stop();
  });

  it('polls where the runtime has no event stream, and reconnects after the runtime went away', async () => {
    const socket = join(dir, 'cri.sock');
    let fake = await fakeRuntime(socket, false);
    const deps = testDeps();
    runtime = createCriRuntime(deps, { ...CRI_RUNTIME_DEFAULTS, socketPath: socket, pollIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100 });
    await runtime.start();
    const polled = new Promise<string>((resolve) => runtime!.onContainer!((id) => id === CTR && resolve(id)));
    fake.create();
    expect(await polled).toBe(CTR);
    expect(runtime.eventMode).toBe('poll');
    await fake.stop();
    for (let i = 0; i < 200 && runtime.up; i++) await new Promise((r) => setTimeout(r, 20));
    expect(runtime.up).toBe(false);
    expect(await metric(deps, /^vigil_metadata_source_up\{source="cri"\} (\d)$/m)).toBe('0');
    const back = new Promise<void>((resolve) => runtime!.onUp(resolve));
    rmSync(socket, { force: true });
    fake = await fakeRuntime(socket, false);
    await back;
    expect(runtime.up).toBe(true);
    await fake.stop();
  });
  it('gives up calls a hung runtime never answers, counts the deadline as an error, and reconnects', async () => {
    const socket = join(dir, 'cri.sock');
    const fake = await fakeRuntime(socket, false);
    const deps = testDeps();
    runtime = createCriRuntime(deps, { ...CRI_RUNTIME_DEFAULTS, socketPath: socket, pollIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100, requestTimeoutMs: 200 });
    await runtime.start();
    expect(runtime.up).toBe(true);
    fake.hang(true);
    for (let i = 0; i < 500 && runtime.up; i++) await new Promise((r) => setTimeout(r, 20));
    expect(runtime.up).toBe(false);
    const deadline = deps.reported.find((r) => (r.err as { code?: string }).code === 'VIGIL_ERR_CRI_DEADLINE');
    expect(deadline?.component).toBe('runtime-cri');
    expect((deadline?.err as Error | undefined)?.cause).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    const back = new Promise<void>((resolve) => runtime!.onUp(resolve));
    fake.hang(false);
    await back;
    expect(runtime.up).toBe(true);
    expect(await metric(deps, /^vigil_metadata_source_up\{source="cri"\} (\d)$/m)).toBe('1');
    await fake.stop();
  });
});
