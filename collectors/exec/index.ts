export { createExecWatcher } from './watcher.js';
export type { ExecEvent, ExecEventKind, ExecWatcher, ExecWatcherConfig, ProcessReader } from './types.js';
export { ExecError, type ExecErrorCode } from './errors.js';
export { isInterestingProcess, needsReinspection, sameImage, sameStdio } from './reinspect.js';
export {
  parseDatagram,
  buildMcastControl,
  exitCodeFromStatus,
  type ParsedDatagram,
  type ProcConnectorEvent,
} from './proc-connector.js';
