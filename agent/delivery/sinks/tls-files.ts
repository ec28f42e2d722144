import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TlsFiles } from '../output-config.js';

/**
 * TLS options from the configured files, read again at every (re)connect,
 * so a rotated certificate is picked up without a restart.
 */
export function tlsOptions(files: TlsFiles | undefined): ConnectionOptions {
  if (!files) return {};
  return {
    ...(files.caFile ? { ca: readFileSync(files.caFile) } : {}),
    ...(files.certFile ? { cert: readFileSync(files.certFile) } : {}),
    ...(files.keyFile ? { key: readFileSync(files.keyFile) } : {}),
    ...(files.serverName ? { servername: files.serverName } : {}),
  };
}
