import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';

/**
 * A local HTTP server that speaks the Kubernetes list/watch protocol for a
 * few resources, with the API server's JSON (no API server can run here).
 * Lists honour limit/continue and fieldSelector=spec.nodeName=...; watches
 * replay from resourceVersion and stream new events; a resourceVersion
 * older than the last compaction gets the 410 Gone ERROR event. The tests
 * and bench/metadata use it.
 */
export interface KubeObjectJson {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface Resource {
  readonly kind: string;
  readonly objects: Map<string, KubeObjectJson>;
  readonly log: { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObjectJson }[];
  readonly watchers: Set<{ res: ServerResponse; node?: string }>;
}

export interface FakeApiServer {
  readonly url: string;
  readonly token: string;
  /** Requests seen, `GET /api/v1/pods?watch=1...` (for the tests' assertions). */
  readonly requests: string[];
  upsert(path: string, obj: KubeObjectJson): void;
  /** Changes an object with no watch event (as if its event had been compacted away): only a list shows it. */
  upsertUnannounced(path: string, obj: KubeObjectJson): void;
  remove(path: string, uid: string): void;
  /** Forget the event log: watches from an older resourceVersion get 410 Gone. */
  compact(): void;
  /** End every open watch cleanly (as the server does on timeoutSeconds). */
  endWatches(): void;
  /** Cut every connection mid-stream (a dropped connection). */
  dropConnections(): void;
  /** Answer 503 to everything while true (an API server that is away). */
  setDown(down: boolean): void;
  kubeconfig(): string;
  close(): Promise<void>;
}

export const RESOURCES: Record<string, string> = {
  '/api/v1/pods': 'Pod',
  '/apis/apps/v1/replicasets': 'ReplicaSet',
  '/apis/batch/v1/jobs': 'Job',
};

/** `tls`: serve HTTPS with this key and certificate (the in-cluster client speaks only HTTPS). */
export async function startFakeApiServer(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeApiServer> {
  const token = 'vigil-test-token';
  const resources = new Map<string, Resource>(Object.entries(RESOURCES).map(([p, kind]) => [p, { kind, objects: new Map(), log: [], watchers: new Set() }]));
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let rv = 1000;
  let compactedAt = 0;
  let down = false;

  const nodeOf = (o: KubeObjectJson): string | undefined => (o.spec as { nodeName?: string } | undefined)?.nodeName;
  const send = (w: { res: ServerResponse; node?: string }, type: string, object: KubeObjectJson): void => {
    if (w.node !== undefined && nodeOf(object) !== w.node) return;
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (down) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 503 }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }));
      return;
    }
    const r = resources.get(url.pathname);
    if (!r) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      return;
    }
    const selector = url.searchParams.get('fieldSelector') ?? '';
    const node = selector.startsWith('spec.nodeName=') ? selector.slice('spec.nodeName='.length) : undefined;
    const listKind = `${r.kind}List`;
    if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
      const from = Number(url.searchParams.get('resourceVersion') ?? '0');
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      const w = { res, ...(node !== undefined ? { node } : {}) };
      if (from < compactedAt) {
        res.end(
          `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${compactedAt})`, reason: 'Expired', code: 410 } })}\n`,
        );
        return;
      }
      for (const e of r.log) if (e.rv > from) send(w, e.type, e.object);
      r.watchers.add(w);
      res.on('close', () => r.watchers.delete(w));
      return;
    }
    const all = [...r.objects.values()].filter((o) => node === undefined || nodeOf(o) === node);
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
    const start = Number(url.searchParams.get('continue') ?? '0') || 0;
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        kind: listKind,
        apiVersion: r.kind === 'Pod' ? 'v1' : r.kind === 'Job' ? 'batch/v1' : 'apps/v1',
        metadata: { resourceVersion: String(rv), ...(next ? { continue: next, remainingItemCount: all.length - start - limit } : {}) },
        items: page,
      }),
    );
  };

  const server: Server = opts.tls ? createTlsServer(opts.tls, handle) : createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const record = (path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObjectJson): void => {
    const r = resources.get(path)!;
    const object = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
    if (type === 'DELETED') r.objects.delete(obj.metadata.uid);
    else r.objects.set(obj.metadata.uid, object);
    r.log.push({ rv, type, object });
    for (const w of r.watchers) send(w, type, object);
  };

  return {
    url,
    token,
    requests,
    upsert: (path, obj) => record(path, resources.get(path)!.objects.has(obj.metadata.uid) ? 'MODIFIED' : 'ADDED', obj),
    upsertUnannounced(path, obj) {
      resources.get(path)!.objects.set(obj.metadata.uid, { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } });
    },
    remove(path, uid) {
      const o = resources.get(path)!.objects.get(uid);
      if (o) record(path, 'DELETED', o);
    },
    compact() {
      compactedAt = rv + 1;
      for (const r of resources.values()) r.log.length = 0;
    },
    endWatches() {
      for (const r of resources.values()) for (const w of r.watchers) w.res.end();
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    setDown(d) {
      down = d;
    },
    kubeconfig: () => `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${url}
    insecure-skip-tls-verify: true
users:
- name: vigil
  user:
    token: ${token}
contexts:
- name: fake
  context: {cluster: fake, user: vigil}
current-context: fake
`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let uidCounter = 0;
/** A deterministic UID (8-4-4-4-12 hex) from a counter. */
export function testUid(n = ++uidCounter): string {
  const h = n.toString(16).padStart(12, '0');
  return `0000${h.slice(0, 4)}-0000-4000-8000-${h}`;
}

/** A pod as the API server serves it (the fields of a real Pod's JSON that matter, and the usual bulk). */
export function podJson(o: {
  name: string;
  namespace: string;
  uid?: string;
  node: string;
  ip?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string; apiVersion?: string };
  hostNetwork?: boolean;
}): KubeObjectJson {
  const uid = o.uid ?? testUid();
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid,
      creationTimestamp: '2026-12-01T10:00:00Z',
      labels: o.labels ?? {},
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-01T09:59:00Z' },
      ...(o.owner ? { ownerReferences: [{ apiVersion: o.owner.apiVersion ?? 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: testUid(), controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      nodeName: o.node,
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      serviceAccountName: 'default',
      restartPolicy: 'Always',
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1.4.2',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          env: [{ name: 'MODE', value: 'production' }],
          volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
        },
      ],
      volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
    },
    status: {
      phase: 'Running',
      hostIP: '192.168.10.1',
      ...(o.ip ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-01T10:00:05Z' }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 0,
          image: 'registry.example/app:1.4.2',
          imageID: 'registry.example/app@sha256:2f1c0d8a4b9e7c6d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f',
          containerID: `containerd://${uid.replace(/-/g, '').padEnd(64, '0')}`,
          state: { running: { startedAt: '2026-12-01T10:00:03Z' } },
        },
      ],
    },
  };
}

export function ownedJson(kind: 'ReplicaSet' | 'Job', o: { name: string; namespace: string; owner?: { kind: string; name: string } }): KubeObjectJson {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: testUid(),
      ...(o.owner
        ? { ownerReferences: [{ apiVersion: o.owner.kind === 'CronJob' ? 'batch/v1' : 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: testUid(), controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    spec: {},
    status: {},
  };
}
