import { createFdStream, type FdStream } from './fd-stream.js';

/**
 * Alerts' stream on fd 1. process.stdout writes to pipes and files
 * synchronously on Linux, so a slow reader would stall the whole agent; the
 * fd stream writes from the thread pool, treats a full pipe (EAGAIN) as
 * backpressure and fails only when the reader is gone (EPIPE).
 */
export function stdoutStream(): FdStream {
  return createFdStream(1, { highWaterMark: 64 * 1024 });
}
