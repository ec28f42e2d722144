import type { Writable } from 'node:stream';
import type { CollectorDeps } from '../../core/deps.js';
import { createJsonOutput } from './json.js';
import { createNoneOutput } from './none.js';
import type { AlertOutput } from './output.js';
import { createPrettyOutput } from './pretty.js';

export { createJsonOutput } from './json.js';
export { createPrettyOutput, prettyLine } from './pretty.js';
export type { PrettyOutputConfig } from './pretty.js';
export { createNoneOutput } from './none.js';
export { createStreamOutput } from './output.js';
export type { AlertOutput, StreamOutputConfig } from './output.js';
export { falcoJsonLine, outputText } from './alert.js';
export type { Alert } from './alert.js';
export { createLineWriter } from './line-writer.js';
export type { LineWriter, DropReason } from './line-writer.js';
export { outputMetrics } from './metrics.js';
export { stdoutStream } from './stdout.js';
export { createFdStream } from './fd-stream.js';
export type { FdStream } from './fd-stream.js';
export { isBrokenStreamError, outputHealthBoard } from './health.js';
export type { OutputHealth, OutputHealthBoard } from './health.js';

export type OutputKind = 'pretty' | 'json' | 'none';

/** The output `--output` names, writing to `stream` (stdout in the agent). */
export function createOutput(deps: CollectorDeps, cfg: { readonly kind: OutputKind; readonly stream: Writable; readonly maxQueue: number; readonly color: boolean }): AlertOutput {
  switch (cfg.kind) {
    case 'json':
      return createJsonOutput(deps, { stream: cfg.stream, maxQueue: cfg.maxQueue });
    case 'pretty':
      return createPrettyOutput(deps, { stream: cfg.stream, maxQueue: cfg.maxQueue, color: cfg.color });
    case 'none':
      return createNoneOutput(deps);
  }
}
