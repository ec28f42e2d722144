import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config/schema.js';

/**
 * JSON logs on stderr so stdout carries only alerts. Synchronous writes:
 * log volume is low (errors are logged once per component and stage), and a
 * sync destination has nothing left to flush when the process exits.
 */
export function createLogger(level: LogLevel, dest?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, name: 'vigil' }, dest ?? pino.destination({ fd: 2, sync: true }));
}
