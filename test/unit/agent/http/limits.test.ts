import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { applyHttpLimits, DEFAULT_HTTP_LIMITS, type HttpLimits, serverOptions } from '../../../../agent/http/limits.js';
import { metricValue } from '../../../helpers/deps.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real listener on loopback with the agent's limits, answering `bodyBytes` per request. */
async function serve(limits: Partial<HttpLimits>, bodyBytes = 10): Promise<{ port: number; registry: Registry }> {
  const l = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const registry = new Registry();
  const server = createServer(serverOptions(l));
  const admit = applyHttpLimits(server, l, registry);
  const body = Buffer.alloc(bodyBytes, 'x');
  server.on('request', (req, res) => {
    if (!admit(req, res)) return;
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, registry };
}

/** A raw client: what it sent, everything it read, and when the server closed it. */
function raw(port: number, read = true): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  if (read) socket.on('data', (d) => (text += d.toString('latin1')));
  else socket.pause();
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, text: () => text, closed };
}

const GET = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';
const rejected = (registry: Registry, reason: string) => metricValue(registry, 'vigil_http_rejected_total', { reason });

describe('HTTP listener limits', () => {
  it('closes a keep-alive connection after maxRequestsPerConnection answers (Connection: close, then 503)', async () => {
    const { port } = await serve({ maxRequestsPerConnection: 2, keepAliveTimeoutMs: 500 });
    const c = raw(port);
    c.socket.write(GET);
    await new Promise((r) => setTimeout(r, 100));
    c.socket.write(GET);
    await new Promise((r) => setTimeout(r, 100));
    c.socket.write(GET);
    await c.closed;
    const answers = c.text().match(/HTTP\/1\.1 \d{3}/g) ?? [];
    // Node answers the one past the limit with 503 and closes: the client knows to reconnect.
    expect(answers).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 503']);
    expect(c.text().split('HTTP/1.1 200')[2]).toMatch(/Connection: close/i);
  });

  it('refuses a new request while unread answers exceed maxBufferedBytes, and counts it', async () => {
    // 16 MB answers: far more than loopback's socket buffers, so most stays in the agent's memory.
    const { port, registry } = await serve({ maxBufferedBytes: 1024 * 1024 }, 16 * 1024 * 1024);
    const hog = raw(port, false);
    hog.socket.write(GET);
    await new Promise((r) => setTimeout(r, 300));
    const next = raw(port);
    next.socket.write(GET);
    await next.closed;
    expect(next.text()).toBe('');
    expect(await rejected(registry, 'buffered_bytes')).toBe(1);
  });

  it('answers 408 to a client that never finishes its headers, and counts it', async () => {
    const { port, registry } = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const c = raw(port);
    c.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(await rejected(registry, 'timeout')).toBe(1);
  }, 10_000);

  it('answers 405 to an unknown method and 431 to a header past maxHeaderBytes', async () => {
    const { port, registry } = await serve({ maxHeaderBytes: 1024 });
    const frob = raw(port);
    frob.socket.write('FROB / HTTP/1.1\r\nHost: x\r\n\r\n');
    await frob.closed;
    expect(frob.text()).toMatch(/^HTTP\/1\.1 405 [\s\S]*Allow: GET, HEAD/);
    const big = raw(port);
    big.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`);
    await big.closed;
    expect(big.text()).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rejected(registry, 'bad_method')).toBe(1);
    expect(await rejected(registry, 'header_too_large')).toBe(1);
  });
});
