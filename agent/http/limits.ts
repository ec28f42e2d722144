import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { counter } from '../../core/metrics.js';

/**
 * The HTTP listener's bounds. It listens on the node's address in a
 * DaemonSet limited to 256 MiB, so one client must not be able to take the
 * agent's memory or file descriptors (2,000 pipelined /metrics on one
 * unread connection took RSS to 1.46 GB; ~20,000 idle connections ran the
 * agent out of fds). Defaults and why: docs/never-blind.md.
 */
export interface HttpLimits {
  /** Open connections; further ones are closed at once (counted). */
  readonly maxConnections: number;
  /** Requests one connection may have waiting for their answers. */
  readonly maxPipelined: number;
  /** Requests per keep-alive connection before it is closed. */
  readonly maxRequestsPerConnection: number;
  /** Unread answer bytes across all connections; a new request past it closes its connection. */
  readonly maxBufferedBytes: number;
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 32,
  maxPipelined: 4,
  maxRequestsPerConnection: 1000,
  maxBufferedBytes: 32 * 1024 * 1024,
  maxHeaderBytes: 8192,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
};

export type RejectReason = 'max_connections' | 'pipelining' | 'buffered_bytes' | 'header_too_large' | 'bad_method' | 'bad_request' | 'timeout';

/** Options for http(s).createServer: header size, and timeouts checked every second (Node's default is 30 s). */
export function serverOptions(l: HttpLimits): { maxHeaderSize: number; requestTimeout: number; headersTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    maxHeaderSize: l.maxHeaderBytes,
    requestTimeout: l.requestTimeoutMs,
    headersTimeout: l.headersTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
}

/**
 * Applies the limits to a created server and counts every refusal in
 * vigil_http_rejected_total{reason}. Returns a guard that the request
 * handler calls first: false when the request was refused (its connection
 * is then closed and nothing more must be written).
 */
export function applyHttpLimits(server: Server, l: HttpLimits, registry: Registry): (req: IncomingMessage, res: ServerResponse) => boolean {
  const rejected = counter(registry, {
    name: 'vigil_http_rejected_total',
    help: 'HTTP connections or requests the listener refused, by reason.',
    labelNames: ['reason'] as const,
  });
  for (const reason of ['max_connections', 'pipelining', 'buffered_bytes', 'header_too_large', 'bad_method', 'bad_request', 'timeout'] satisfies RejectReason[]) rejected.inc({ reason }, 0);

  server.maxConnections = l.maxConnections;
  server.maxRequestsPerSocket = l.maxRequestsPerConnection;
  // A connection that sends nothing at all is closed after this much inactivity.
  server.timeout = l.requestTimeoutMs;
  server.on('drop', () => rejected.inc({ reason: 'max_connections' }));

  const waiting = new WeakMap<Socket, number>();
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const buffered = (): number => {
    let sum = 0;
    for (const s of open) sum += s.writableLength;
    return sum;
  };

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const { status, reason } = classify(err.code);
    if (reason) rejected.inc({ reason });
    if (status === undefined || !socket.writable || socket.writableLength > 0) {
      socket.destroy();
      return;
    }
    const allow = status === 405 ? 'Allow: GET, HEAD\r\n' : '';
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n${allow}\r\n`);
    // Lingering close: read and drop what the client is still sending (the
    // rest of a 1 MB header). Closing with unread bytes makes the kernel send
    // a reset, which can destroy the answer before the client has read it.
    socket.on('data', () => undefined);
    socket.resume();
    // A client that does not read its answer must not hold the socket open.
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  return (req, res) => {
    const socket = req.socket;
    const n = (waiting.get(socket) ?? 0) + 1;
    if (n > l.maxPipelined || buffered() > l.maxBufferedBytes) {
      rejected.inc({ reason: n > l.maxPipelined ? 'pipelining' : 'buffered_bytes' });
      socket.destroy();
      return false;
    }
    waiting.set(socket, n);
    res.once('finish', () => waiting.set(socket, (waiting.get(socket) ?? 1) - 1));
    return true;
  };
}

function classify(code: string | undefined): { status?: number; reason?: RejectReason } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'header_too_large' };
    case 'HPE_INVALID_METHOD':
      return { status: 405, reason: 'bad_method' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'timeout' };
    case 'ECONNRESET':
    case 'EPIPE':
      return {};
    default:
      return { status: 400, reason: 'bad_request' };
  }
}
