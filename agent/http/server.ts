import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CollectorDeps } from '../../core/deps.js';
import type { Component } from '../../core/component.js';
import { ListenError } from '../errors.js';
import type { Readiness } from '../readiness.js';
import { formatAddr, type HostPort } from '../config/values.js';
import { createHttpHandler } from './handler.js';
import { createLiveness } from './liveness.js';

export interface HttpServerConfig {
  readonly addr: HostPort;
  readonly readiness: Readiness;
  /** How long close() waits for in-flight responses before cutting connections. */
  readonly closeGraceMs?: number;
}

export interface HttpServer extends Component {
  /** The bound address (port resolved when 0 was asked); undefined before start. */
  address(): HostPort | undefined;
}

/** The metrics/health listener. Logs the bound address so port 0 is usable. */
export function createHttpServer(deps: CollectorDeps, cfg: HttpServerConfig): HttpServer {
  const liveness = createLiveness();
  const handler = createHttpHandler({ registry: deps.registry, readiness: cfg.readiness, liveness: () => liveness.check(), errors: deps.errors });
  let server: Server | undefined;
  let bound: HostPort | undefined;
  let stopping: Promise<void> | undefined;

  return {
    name: 'http',
    address: () => bound,
    async start() {
      if (server) return;
      const s = createServer(handler);
      server = s;
      // Idle keep-alive sockets must not hold shutdown open.
      s.keepAliveTimeout = 5000;
      s.on('clientError', (_err, socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(new ListenError(formatAddr(cfg.addr), err));
        s.once('error', onError);
        s.listen(cfg.addr.port, cfg.addr.host, () => {
          s.off('error', onError);
          resolve();
        });
      }).catch((err: unknown) => {
        server = undefined;
        throw err;
      });
      s.on('error', (err) => deps.errors.report('http', 'serve', err));
      const a = s.address() as AddressInfo;
      bound = { host: a.address, port: a.port };
      liveness.start();
      deps.log.info({ address: formatAddr(bound) }, `metrics listening on http://${formatAddr(bound)}/metrics`);
    },
    stop() {
      stopping ??= (async () => {
        liveness.stop();
        const s = server;
        if (!s) return;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        const cut = setTimeout(() => s.closeAllConnections(), cfg.closeGraceMs ?? 300);
        cut.unref();
        await closed;
        clearTimeout(cut);
      })();
      return stopping;
    },
  };
}
