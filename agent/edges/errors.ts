import { VigilAgentError } from '../errors.js';

/**
 * Errors of the edge tracker and its baseline. Stable codes so logs and
 * vigil_component_errors_total can be grouped without parsing text.
 */
export type EdgeErrorCode = 'VIGIL_ERR_EDGE_CONFIG' | 'VIGIL_ERR_BASELINE_LOAD' | 'VIGIL_ERR_BASELINE_WRITE';

export class EdgeConfigError extends VigilAgentError {
  constructor(message: string) {
    super('VIGIL_ERR_EDGE_CONFIG', message);
  }
}

/** The baseline file exists but cannot be used (unparsable, wrong shape, unreadable). */
export class BaselineLoadError extends VigilAgentError {
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('VIGIL_ERR_BASELINE_LOAD', `${path}: ${message}`, options);
  }
}

export class BaselineWriteError extends VigilAgentError {
  constructor(path: string, cause: unknown) {
    super('VIGIL_ERR_BASELINE_WRITE', `${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
