import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeError } from '../../../../collectors/kube/errors.js';
import { kubeGetter } from '../../../../collectors/kube/http.js';
import { createListWatch, type ListWatch, type RelistReason } from '../../../../collectors/kube/list-watch.js';

/** Answers one request; `n` counts the lists and watches received so far (this one included). */
type Handler = (watch: boolean, res: ServerResponse, n: { lists: number; watches: number }) => void;

const open: { server: http.Server; lw: ListWatch; timers: NodeJS.Timeout[] }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.lw.stop();
    for (const t of o.timers) clearInterval(t);
    o.server.closeAllConnections();
    await new Promise((r) => o.server.close(r));
  }
});

const LIST = JSON.stringify({ metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'p', uid: 'u1', resourceVersion: '5' } }] });

async function harness(handler: Handler) {
  const n = { lists: 0, watches: 0 };
  const timers: NodeJS.Timeout[] = [];
  const server = http.createServer((req, res) => {
    const watch = new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === '1';
    if (watch) n.watches++;
    else n.lists++;
    handler(watch, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const reasons: RelistReason[] = [];
  const failures: unknown[] = [];
  const replaced: number[] = [];
  const lw = createListWatch(
    kubeGetter(kc).get,
    { path: '/api/v1/pods', pageSize: 500, watchTimeoutSec: 300, idleTimeoutMs: 300, listTimeoutMs: 300, retryMinMs: 10, retryMaxMs: 20 },
    { replace: (items) => replaced.push(items.length), upsert: () => {}, remove: () => {} },
    { state: (up, err) => (up ? undefined : failures.push(err)), relist: (r) => reasons.push(r) },
  );
  open.push({ server, lw, timers });
  lw.start();
  return { n, reasons, failures, replaced, lw, timers };
}

const code = (err: unknown): string | undefined => (err instanceof KubeError ? err.code : undefined);

describe('kube list/watch total-time bounds', () => {
  it('gives up a list whose body trickles a byte a second, counts it dropped, and relists', async () => {
    const h = await harness((watch, res, n) => {
      if (watch) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return; // a quiet watch: held open
      }
      if (n.lists > 1) {
        res.end(LIST);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      h.timers.push(setInterval(() => res.write(' '), 1_000));
    });
    await h.lw.synced();
    expect(code(h.failures[0])).toBe('VIGIL_ERR_KUBE_TIMEOUT');
    expect(h.reasons.slice(0, 2)).toEqual(['initial', 'dropped']);
    expect(h.replaced[0]).toBe(1);
    expect(h.n.lists).toBeGreaterThanOrEqual(2);
  });

  it('drops a watch whose request is never answered and re-establishes it after a relist', async () => {
    const h = await harness((watch, res, n) => {
      if (!watch) return void res.end(LIST);
      if (n.watches > 1) res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      // the first watch: no answer at all
    });
    await vi.waitFor(() => expect(h.n.watches).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 20 });
    expect(code(h.failures[0])).toBe('VIGIL_ERR_KUBE_TIMEOUT');
    expect(h.reasons.slice(0, 2)).toEqual(['initial', 'dropped']);
    expect(h.n.lists).toBe(2);
  });

  it('drops a watch that sends no byte after its head and re-establishes it after a relist', async () => {
    const h = await harness((watch, res, n) => {
      if (!watch) return void res.end(LIST);
      res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      if (n.watches > 1) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '6' } } })}\n`);
    });
    await vi.waitFor(() => expect(h.n.watches).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 20 });
    expect(code(h.failures[0])).toBe('VIGIL_ERR_KUBE_STREAM');
    expect(h.reasons.slice(0, 2)).toEqual(['initial', 'dropped']);
  });
});
