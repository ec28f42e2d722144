import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TlsFiles } from '../output-config.js';
import { OutputRejectedError, OutputSendError } from '../errors.js';
import { tlsOptions } from './tls-files.js';

export interface HttpTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls?: TlsFiles;
  readonly timeoutMs: number;
}

/**
 * POSTs JSON bodies to one URL over a keep-alive connection (https with the
 * configured CA and client certificate: mTLS). Resolves on 2xx; a 4xx other
 * than 408/429 will not change on retry (OutputRejectedError); anything else
 * (refused, reset, timeout, 5xx) is worth retrying.
 */
export function createHttpPoster(target: HttpTarget): { post(body: string, extraHeaders?: Record<string, string>): Promise<void>; close(): void } {
  const url = new URL(target.url);
  const https = url.protocol === 'https:';
  let agent: HttpAgent | undefined;
  const getAgent = () => (agent ??= https ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...tlsOptions(target.tls) }) : new HttpAgent({ keepAlive: true, maxSockets: 1 }));
  return {
    post(body, extraHeaders = {}) {
      return new Promise((resolve, reject) => {
        const req = (https ? httpsRequest : httpRequest)(
          url,
          {
            method: 'POST',
            agent: getAgent(),
            headers: { ...target.headers, ...extraHeaders, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: target.timeoutMs,
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const s = res.statusCode ?? 0;
              if (s >= 200 && s < 300) resolve();
              else if (s >= 400 && s < 500 && s !== 408 && s !== 429) reject(new OutputRejectedError(`${url.origin}${url.pathname} answered ${s}`));
              else reject(new OutputSendError(`${url.origin}${url.pathname} answered ${s}`));
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new OutputSendError(`no answer from ${url.origin} within ${target.timeoutMs} ms`)));
        req.on('error', (err) => {
          // A failed connection may leave a bad TLS session or socket: start over, re-reading the files.
          agent?.destroy();
          agent = undefined;
          reject(err);
        });
        req.end(body);
      });
    },
    close() {
      agent?.destroy();
      agent = undefined;
    },
  };
}
