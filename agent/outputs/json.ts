import type { CollectorDeps } from '../../core/deps.js';
import { falcoJsonLine } from './alert.js';
import { createStreamOutput, type AlertOutput, type StreamOutputConfig } from './output.js';

/** One alert per line in Falco's JSON alert shape. */
export function createJsonOutput(deps: CollectorDeps, cfg: StreamOutputConfig): AlertOutput {
  return createStreamOutput(deps, 'json', cfg, falcoJsonLine);
}
