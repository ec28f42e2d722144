import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createContainerCollector } from '../../../../collectors/cgroups/index.js';
import { createDockerRuntime, DOCKER_RUNTIME_DEFAULTS } from '../../../../collectors/runtime/index.js';
import { ID, PROC, series, testDeps, until, V1 } from '../cgroups/helpers.js';

/** A fake Docker engine on a unix socket: /_ping and /containers/<id>/json. */
function fakeEngine(socketPath: string, known: Record<string, object>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (/\/_ping$/.test(url)) {
      res.end('OK');
      return;
    }
    const m = /\/containers\/([0-9a-f]+)\/json/.exec(url);
    const body = m ? known[m[1]!] : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"No such container"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

const inspectOf = (name: string, labels: Record<string, string> = {}) => ({
  Id: 'x',
  Name: `/${name}`,
  Image: 'sha256:1234',
  Created: '2024-01-02T03:04:05.5Z',
  State: { Pid: 0, StartedAt: '0001-01-01T00:00:00Z' },
  Config: { Image: 'repo/img:1', Labels: labels },
  HostConfig: { Privileged: true, NetworkMode: 'bridge' },
  Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: 'ro', RW: false, Propagation: 'rprivate' }],
});

describe('docker runtime', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-rt-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  it('a missing socket is a metric and a state, not a failure', async () => {
    const registry = new Registry();
    const rt = createDockerRuntime({ log: pino({ level: 'silent' }), registry, errors: { report: () => {} } }, { ...DOCKER_RUNTIME_DEFAULTS, socketPath: '/nonexistent/docker.sock' });
    cleanups.push(() => rt.stop());
    await rt.start();
    expect(rt.up).toBe(false);
    expect(await rt.inspect(ID.A)).toEqual({ kind: 'unavailable' });
    expect(await registry.metrics()).toContain('vigil_runtime_up{runtime="docker"} 0');
  });

  it('notices a socket that vanishes and comes back', async () => {
    const sock = join(tmp(), 'docker.sock');
    let server = await fakeEngine(sock, {});
    const registry = new Registry();
    const rt = createDockerRuntime(
      { log: pino({ level: 'silent' }), registry, errors: { report: () => {} } },
      { ...DOCKER_RUNTIME_DEFAULTS, socketPath: sock, healthIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100 },
    );
    cleanups.push(() => rt.stop());
    let ups = 0;
    rt.onUp(() => ups++);
    await rt.start();
    expect(rt.up).toBe(true);
    expect(await rt.inspect(ID.A)).toEqual({ kind: 'not-found' });
    await new Promise<void>((r) => server.close(() => r()));
    await until(() => !rt.up);
    expect(await registry.metrics()).toContain('vigil_runtime_up{runtime="docker"} 0');
    server = await fakeEngine(sock, {});
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    await until(() => rt.up);
    expect(ups).toBe(2);
    expect(await registry.metrics()).toContain('vigil_runtime_up{runtime="docker"} 1');
  });

  it('enrichment of cgroup-found containers resumes when the engine appears', async () => {
    const sock = join(tmp(), 'docker.sock');
    const deps = testDeps();
    const c = createContainerCollector(deps, { cgroupRoot: V1, procRoot: PROC, dockerSocket: sock, resyncIntervalMs: 60_000, dockerRetryMaxMs: 100 });
    cleanups.push(() => c.stop());
    await c.start(new AbortController().signal);
    expect(c.get(ID.A)?.name).toBeUndefined();
    const server = await fakeEngine(sock, {
      [ID.A]: inspectOf('web'),
      [ID.B]: inspectOf('k8s_app_p1', {
        'io.kubernetes.pod.name': 'p1',
        'io.kubernetes.pod.namespace': 'ns1',
        'io.kubernetes.pod.uid': 'u-1',
        'io.kubernetes.container.name': 'app',
      }),
    });
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    await until(() => c.get(ID.B)?.k8s);
    expect(c.get(ID.A)).toMatchObject({ name: 'web', image: 'repo/img:1', imageId: 'sha256:1234', privileged: true, runtime: 'docker', startTimeSec: Date.parse('2024-01-02T03:04:05.5Z') / 1000 });
    expect(c.get(ID.A)?.mounts).toEqual([{ source: '/var/run/docker.sock', dest: '/var/run/docker.sock', mode: 'ro', rdwr: false, propagation: 'rprivate' }]);
    expect(c.get(ID.B)).toMatchObject({ runtime: 'docker', k8s: { namespace: 'ns1', pod: 'p1', container: 'app', podUid: 'u-1' } });
    const text = await deps.registry.metrics();
    expect(text).toContain(`container_memory_usage_bytes{id="${c.get(ID.B)!.cgroupPath}",name="k8s_app_p1",image="repo/img:1",namespace="ns1",pod="p1",container="app"}`);
    expect(series(text, 'vigil_runtime_up')).toEqual(['vigil_runtime_up{runtime="docker"} 1']);
    // containerd / CRI-O containers are not asked of Docker.
    expect(c.get(ID.D)?.name).toBeUndefined();
  });
});
