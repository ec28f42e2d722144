import { errnoCode, VigilError } from '../../core/errors.js';

/** Errors of the node collector, with stable codes. */

export type NodeErrorCode = 'VIGIL_ERR_NODE_CONFIG' | 'VIGIL_ERR_NODE_PARSE' | 'VIGIL_ERR_NODE_READ';

export class NodeCollectorError extends VigilError<NodeErrorCode> {}

/** True for errno codes that mean "this file is not there" rather than a failure. */
export function isNotFound(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
