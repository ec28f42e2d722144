import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * A non-blocking stream on fd 1. process.stdout writes to pipes and files
 * synchronously on Linux, so a slow reader would stall the whole agent; an
 * fs stream writes from the thread pool and reports backpressure through
 * write() === false, which the bounded queue turns into counted drops.
 */
export function stdoutStream(): Writable {
  return createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 64 * 1024 });
}
