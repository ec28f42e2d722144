import { VigilError } from '../../../core/errors.js';

export type CriErrorCode = 'VIGIL_ERR_CRI_UNAVAILABLE' | 'VIGIL_ERR_CRI_CALL' | 'VIGIL_ERR_CRI_DEADLINE';

export class CriError extends VigilError<CriErrorCode> {}

/** gRPC status codes that mean "the runtime is not there", not "a bad answer". */
const DOWN_CODES = new Set([14 /* UNAVAILABLE */, 4 /* DEADLINE_EXCEEDED */, 1 /* CANCELLED */]);

export function isCriDown(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && DOWN_CODES.has(code);
}

/** The call's deadline passed: a runtime that accepts calls and never answers them. */
export function isDeadline(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 4;
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 5;
}

export function isUnimplemented(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 12;
}
