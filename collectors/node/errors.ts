/** Errors of the node collector, with stable codes. */

export type NodeErrorCode =
  | 'VIGIL_ERR_NODE_CONFIG'
  | 'VIGIL_ERR_NODE_PARSE'
  | 'VIGIL_ERR_NODE_READ';

export class NodeCollectorError extends Error {
  readonly code: NodeErrorCode;
  constructor(code: NodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeCollectorError';
    this.code = code;
  }
}

/** True for errno codes that mean "this file is not there" rather than a failure. */
export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
