import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CollectorDeps } from '../../core/deps.js';
import type { Component } from '../../core/component.js';
import { ListenError } from '../errors.js';
import type { Readiness } from '../readiness.js';
import { formatAddr, type HostPort } from '../config/values.js';
import { createHttpHandler } from './handler.js';
import { applyHttpLimits, DEFAULT_HTTP_LIMITS, serverOptions, type HttpLimits } from './limits.js';
import { createLiveness } from './liveness.js';
import { createMetricsCache } from './metrics-cache.js';

export interface HttpTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** When set, clients must present a certificate signed by this CA. */
  readonly clientCaFile?: string;
}

export interface HttpServerConfig {
  readonly addr: HostPort;
  readonly readiness: Readiness;
  /** How long close() waits for in-flight responses before cutting connections. */
  readonly closeGraceMs?: number;
  readonly limits?: HttpLimits;
  /** /metrics is rendered at most once per this interval (0: every scrape, concurrent ones still share). */
  readonly metricsMinIntervalMs?: number;
  readonly tls?: HttpTlsConfig;
}

export interface HttpServer extends Component {
  /** The bound address (port resolved when 0 was asked); undefined before start. */
  address(): HostPort | undefined;
}

/** The metrics/health listener, bounded (limits.ts). Logs the bound address so port 0 is usable. */
export function createHttpServer(deps: CollectorDeps, cfg: HttpServerConfig): HttpServer {
  const liveness = createLiveness();
  const limits = cfg.limits ?? DEFAULT_HTTP_LIMITS;
  const metrics = createMetricsCache(deps.registry, cfg.metricsMinIntervalMs ?? 1000);
  let admit: ReturnType<typeof applyHttpLimits> | undefined;
  const handler = createHttpHandler({
    registry: deps.registry,
    metrics,
    admit: (req, res) => admit?.(req, res) ?? true,
    readiness: cfg.readiness,
    liveness: () => liveness.check(),
    errors: deps.errors,
  });
  let server: Server | undefined;
  let bound: HostPort | undefined;
  let stopping: Promise<void> | undefined;
  const scheme = cfg.tls ? 'https' : 'http';

  return {
    name: 'http',
    address: () => bound,
    async start() {
      if (server) return;
      const options = serverOptions(limits);
      const s: Server = cfg.tls
        ? createTlsServer(
            {
              ...options,
              cert: readFileSync(cfg.tls.certFile),
              key: readFileSync(cfg.tls.keyFile),
              ...(cfg.tls.clientCaFile ? { ca: readFileSync(cfg.tls.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
            },
            handler,
          )
        : createServer(options, handler);
      server = s;
      admit ??= applyHttpLimits(s, limits, deps.registry);
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
      deps.log.info({ address: formatAddr(bound), tls: cfg.tls !== undefined, clientCerts: cfg.tls?.clientCaFile !== undefined }, `metrics listening on ${scheme}://${formatAddr(bound)}/metrics`);
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
