import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** One GET against the API server, answered as a stream (a list body or a watch). */
export type KubeGet = (path: string, query: Record<string, string | undefined>, signal: AbortSignal) => Promise<IncomingMessage>;

/**
 * GETs through the auth of a KubeConfig (in-cluster service account token,
 * client certificates, bearer token of a kubeconfig): its options are
 * applied on every request, so a rotated service-account token is picked up.
 */
export function kubeGetter(kc: KubeConfig): { server: string; get: KubeGet } {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  const get: KubeGet = async (path, query, signal) => {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method: 'GET',
          headers: { ...(opts.headers ?? {}), accept: 'application/json' },
          ...(opts.agent !== undefined ? { agent: opts.agent } : {}),
          ...(opts.auth ? { auth: opts.auth } : {}),
          signal,
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
  };
  return { server, get };
}
