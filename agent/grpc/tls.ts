import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { VigilError } from '../../core/errors.js';

export interface GrpcTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** With it, clients must present a certificate this CA signed (mTLS). */
  readonly clientCaFile?: string;
  /** How often the files are re-read (grpc-js's file watcher polls). */
  readonly refreshIntervalMs?: number;
}

/** The TLS files cannot be used: the gRPC listener does not start. */
export class GrpcTlsError extends VigilError<'VIGIL_ERR_GRPC_TLS'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VIGIL_ERR_GRPC_TLS', message, options);
  }
}

const DEFAULT_REFRESH_MS = 5_000;

/** Server credentials and the way to stop watching their files. */
export interface GrpcTls {
  readonly credentials: grpc.ServerCredentials;
  /** Stops polling the files (the server's own listeners go when it shuts down). */
  stop(): void;
}

/**
 * Server credentials from PEM files that grpc-js's FileWatcherCertificateProvider
 * re-reads every `refreshIntervalMs`, so a rotated certificate (cert-manager,
 * a re-mounted Secret) is served to new connections without a restart. The
 * files are checked here so a wrong path or key fails at start, and the
 * providers' first (asynchronous) read is awaited: grpc-js drops connections
 * that arrive before it, which would make the first seconds of a start flaky.
 */
export async function serverCredentials(cfg: GrpcTlsConfig, onReload?: () => void): Promise<GrpcTls> {
  try {
    createSecureContext({
      cert: readFileSync(cfg.certFile),
      key: readFileSync(cfg.keyFile),
      ca: cfg.clientCaFile ? readFileSync(cfg.clientCaFile) : undefined,
    });
  } catch (err) {
    throw new GrpcTlsError(`gRPC TLS files unusable: ${(err as Error).message}`, { cause: err });
  }
  const refreshIntervalMs = cfg.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
  const identity = new grpc.experimental.FileWatcherCertificateProvider({ certificateFile: cfg.certFile, privateKeyFile: cfg.keyFile, refreshIntervalMs });
  const ca = cfg.clientCaFile ? new grpc.experimental.FileWatcherCertificateProvider({ caCertificateFile: cfg.clientCaFile, refreshIntervalMs }) : null;

  let lastCert: Buffer | undefined;
  let identityLoaded!: () => void;
  let caLoaded!: () => void;
  const loaded = Promise.all([new Promise<void>((r) => (identityLoaded = r)), ca ? new Promise<void>((r) => (caLoaded = r)) : undefined]);
  const identityListener = (u: grpc.experimental.IdentityCertificateUpdate | null): void => {
    if (u && lastCert && !u.certificate.equals(lastCert)) onReload?.();
    if (u) lastCert = u.certificate;
    identityLoaded();
  };
  const caListener = (): void => caLoaded();
  identity.addIdentityCertificateListener(identityListener);
  ca?.addCaCertificateListener(caListener);
  await loaded;
  return {
    // grpc-js 1.14 names this function's parameters (ca, identity) but hands
    // them to the constructor as (identity, ca): identity goes first.
    credentials: grpc.experimental.createCertificateProviderServerCredentials(identity, ca, ca !== null),
    stop() {
      identity.removeIdentityCertificateListener(identityListener);
      ca?.removeCaCertificateListener(caListener);
    },
  };
}
