import { request, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { createHttpServer, type HttpServer } from '../../../../agent/http/index.js';
import { createLiveness } from '../../../../agent/http/liveness.js';
import { createReadiness } from '../../../../agent/readiness.js';
import { testDeps } from '../helpers.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(setup?: (r: ReturnType<typeof createReadiness>, reg: Registry) => void) {
  const deps = testDeps();
  const readiness = createReadiness();
  setup?.(readiness, deps.registry);
  const server = createHttpServer(deps, { addr: { host: '127.0.0.1', port: 0 }, readiness });
  servers.push(server);
  await server.start(new AbortController().signal);
  return { server, readiness, deps, port: server.address()!.port };
}

function fetchRaw(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP endpoints', () => {
  it('serves the registry on /metrics with its content type', async () => {
    const { port } = await serve((_r, reg) => {
      new Counter({ name: 'vigil_test_total', help: 'x', registers: [reg] }).inc(3);
    });
    const r = await fetchRaw(port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(new Registry().contentType);
    expect(r.body).toContain('vigil_test_total 3');
  });

  it('answers /healthz 200 while the loop is responsive', async () => {
    const { port } = await serve();
    const r = await fetchRaw(port, '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok\n');
  });

  it('answers /readyz 503 naming what is pending or failed, then 200', async () => {
    let markScanner: () => void = () => undefined;
    const { port, readiness } = await serve((r) => {
      markScanner = r.add('host-scanner');
      r.add('containers');
      r.fail('containers', 'start failed: boom');
    });
    let r = await fetchRaw(port, '/readyz');
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({
      status: 'not ready',
      checks: { started: { ok: false, detail: 'waiting for host-scanner, containers (start failed: boom)' } },
    });
    markScanner();
    readiness.add('containers')();
    r = await fetchRaw(port, '/readyz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ready', checks: { started: { ok: true, detail: '2 components started' } } });
  });

  it('answers /readyz 503 when a live check fails, throws or hangs, with each check in the detail', async () => {
    let rulesOk = false;
    const { port } = await serve((r) => {
      r.check('rules_loaded', () => ({ ok: rulesOk, detail: rulesOk ? '3 rules enabled' : 'no enabled rules' }));
      r.check('thrower', () => {
        throw new Error('cannot look');
      });
    });
    let r = await fetchRaw(port, '/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({
      status: 'not ready',
      checks: {
        started: { ok: true, detail: '0 components started' },
        rules_loaded: { ok: false, detail: 'no enabled rules' },
        thrower: { ok: false, detail: 'check failed: cannot look' },
      },
    });
    rulesOk = true;
    r = await fetchRaw(port, '/readyz');
    expect(JSON.parse(r.body).checks.rules_loaded).toEqual({ ok: true, detail: '3 rules enabled' });
    expect(r.status).toBe(503);
  });

  it("/readyz carries a check's detail (the rules a skip-mode start dropped)", async () => {
    const { port, readiness } = await serve((r) => {
      r.add('rules-watcher')();
    });
    readiness.detail('rules-watcher', '3 rules active; dropped (--rules-on-error skip): rule "Shell"');
    const r = await fetchRaw(port, '/readyz');
    expect(r.status).toBe(200);
    const started = { started: { ok: true, detail: '1 components started' } };
    expect(JSON.parse(r.body)).toEqual({ status: 'ready', checks: started, details: { 'rules-watcher': '3 rules active; dropped (--rules-on-error skip): rule "Shell"' } });
    readiness.detail('rules-watcher', '');
    expect(JSON.parse((await fetchRaw(port, '/readyz')).body)).toEqual({ status: 'ready', checks: started });
  });

  it('404s unknown paths and 405s other methods; HEAD has no body', async () => {
    const { port } = await serve();
    expect((await fetchRaw(port, '/nope')).status).toBe(404);
    expect((await fetchRaw(port, '/')).status).toBe(404);
    const post = await fetchRaw(port, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await fetchRaw(port, '/healthz', 'DELETE')).status).toBe(405);
    const head = await fetchRaw(port, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await fetchRaw(port, '/metrics?x=1')).status).toBe(200);
  });

  it('answers 500 and reports when the registry fails', async () => {
    const { port, deps } = await serve((_r, reg) => {
      reg.registerMetric(
        new Counter({
          name: 'vigil_bad_total',
          help: 'x',
          registers: [],
          collect() {
            throw new Error('collect broke');
          },
        }),
      );
    });
    const r = await fetchRaw(port, '/metrics');
    expect(r.status).toBe(500);
    expect(deps.errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['http/metrics']);
  });

  it('fails to start with VIGIL_ERR_LISTEN naming the address when the port is taken', async () => {
    const { port } = await serve();
    const deps = testDeps();
    const second = createHttpServer(deps, { addr: { host: '127.0.0.1', port }, readiness: createReadiness() });
    await expect(second.start(new AbortController().signal)).rejects.toMatchObject({ code: 'VIGIL_ERR_LISTEN', message: expect.stringContaining(`127.0.0.1:${port}`) });
    await second.stop();
  });

  it('stop closes keep-alive connections promptly', async () => {
    const { port, server } = await serve();
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
    // A keep-alive socket is now idle in the agent's pool; stop must not wait for its 5 s timeout.
    await server.stop();
    agent.destroy();
    await expect(fetchRaw(port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('liveness', () => {
  it('reports a stall when the heartbeat has not run for longer than the limit', () => {
    let now = 1000;
    const l = createLiveness({ maxStallMs: 100, now: () => now });
    l.start();
    expect(l.check()).toBeUndefined();
    now += 101;
    expect(l.check()).toMatch(/stalled: no heartbeat for 101 ms/);
    l.stop();
  });
});
