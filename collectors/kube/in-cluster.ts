import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { KubeGet } from './http.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The in-cluster API client, without @kubernetes/client-node: the service
 * account's token (re-read at most once a minute: the kubelet rotates it)
 * and CA, and the KUBERNETES_SERVICE_HOST/PORT the kubelet sets. Loading
 * client-node costs a large share of an agent's memory budget
 * (bench/metadata/RESULTS.md) for what these few lines do; it stays the
 * loader of kubeconfig files (exec plugins, OIDC, client certificates).
 */
export function inClusterGetter(host: string, port: string, dir = SERVICE_ACCOUNT_DIR): { server: string; get: KubeGet } {
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ca = readFileSync(join(dir, 'ca.crt'));
  const agent = new https.Agent({ ca, keepAlive: true });
  let token = '';
  let tokenReadAt = -Infinity;
  const bearer = (): string => {
    if (Date.now() - tokenReadAt > 60_000) {
      token = readFileSync(join(dir, 'token'), 'utf8').trim();
      tokenReadAt = Date.now();
    }
    return token;
  };
  const get: KubeGet = (path, query, signal) => {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = https.request(url, { method: 'GET', agent, headers: { authorization: `Bearer ${bearer()}`, accept: 'application/json' }, signal }, resolve);
      req.on('error', reject);
      req.end();
    });
  };
  return { server, get };
}
