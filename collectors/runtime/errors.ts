import { VigilError } from '../../core/errors.js';

/** Errors of the container runtime clients, with stable codes. */
export type RuntimeErrorCode = 'VIGIL_ERR_RUNTIME_UNAVAILABLE' | 'VIGIL_ERR_RUNTIME_INSPECT';

export class RuntimeError extends VigilError<RuntimeErrorCode> {}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EACCES', 'ENOTSOCK']);

/** True when an error means "the engine is not reachable", as opposed to a bad answer. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && /timeout|socket hang up/i.test(e.message);
}
