import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ErrorReporter } from '../../core/deps.js';
import type { Readiness } from '../readiness.js';
import type { MetricsCache } from './metrics-cache.js';

export interface HandlerDeps {
  readonly registry: Registry;
  /** Shared renderings of the registry; without it every scrape renders. */
  readonly metrics?: MetricsCache;
  /** Called first for each request; false when the listener's limits refused it (connection closed). */
  readonly admit?: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly readiness: Readiness;
  /** Undefined while the event loop is responsive, else why it is not. */
  readonly liveness: () => string | undefined;
  readonly errors: ErrorReporter;
}

type Route = (req: IncomingMessage) => Promise<{ status: number; type: string; body: string }>;

/**
 * The agent's HTTP surface: /metrics, /healthz, /readyz. GET and HEAD only;
 * unknown paths 404, other methods 405 with an Allow header.
 */
export function createHttpHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: Record<string, Route> = {
    '/metrics': async () => ({ status: 200, type: deps.registry.contentType, body: await (deps.metrics ? deps.metrics.render() : deps.registry.metrics()) }),
    '/healthz': async () => {
      const problem = deps.liveness();
      return problem ? json(503, { status: 'unhealthy', reason: problem }) : { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n' };
    },
    '/readyz': async () => {
      const r = await deps.readiness.evaluate();
      const details = r.details ? { details: r.details } : {};
      return json(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks, ...details });
    },
  };

  return (req, res) => {
    if (deps.admit && !deps.admit(req, res)) return;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route) return send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    route(req).then(
      (r) => send(req, res, r.status, r.type, r.body),
      (err: unknown) => {
        deps.errors.report('http', path.slice(1), err);
        send(req, res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      },
    );
  };
}

function json(status: number, body: unknown): { status: number; type: string; body: string } {
  return { status, type: 'application/json', body: `${JSON.stringify(body)}\n` };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
