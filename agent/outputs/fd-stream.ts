import { write as fsWrite } from 'node:fs';
import { Writable } from 'node:stream';
import { isBrokenStreamError, type OutputHealth } from './health.js';

export interface FdStream extends Writable {
  health(): OutputHealth;
}

export interface FdStreamOptions {
  readonly highWaterMark?: number;
  /** First and longest wait before retrying a write the fd refused for now (EAGAIN, ENOSPC...). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

/** The fd would block: the reader is slow. Wait and try again; never a failure. */
const BACKPRESSURE = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/**
 * A Writable over an inherited fd (stdout) that survives a slow reader.
 * Writes go through the thread pool (fs.write), so the event loop never
 * blocks on a blocking fd. When the fd is non-blocking (Node switches fd 1
 * to O_NONBLOCK as soon as anything touches process.stdout) a full pipe
 * answers EAGAIN: that is backpressure, so the write waits (backing off from
 * retryMinMs to retryMaxMs) and the stream stays un-drained, which the line
 * writer in front turns into queueing and counted drops. Only EPIPE-class
 * errors (the reader is gone) fail the stream. Other errors (ENOSPC, EIO on
 * a file) are retried at retryMaxMs and make health() not ok until a write
 * succeeds again. fs.createWriteStream, used before, failed for good on the
 * first EAGAIN and every later alert was dropped.
 */
export function createFdStream(fd: number, opts: FdStreamOptions = {}): FdStream {
  const minMs = opts.retryMinMs ?? 5;
  const maxMs = opts.retryMaxMs ?? 200;
  let failing: NodeJS.ErrnoException | undefined;
  let broken: NodeJS.ErrnoException | undefined;
  let retry: NodeJS.Timeout | undefined;

  const writeAll = (buf: Buffer, off: number, delayMs: number, cb: (err?: Error | null) => void): void => {
    fsWrite(fd, buf, off, buf.length - off, null, (err, n) => {
      if (err) {
        if (isBrokenStreamError(err)) {
          broken = err;
          cb(err);
          return;
        }
        if (!BACKPRESSURE.has(err.code ?? '')) failing = err;
        const wait = failing ? maxMs : delayMs;
        retry = setTimeout(() => {
          retry = undefined;
          writeAll(buf, off, Math.min(maxMs, delayMs * 2), cb);
        }, wait);
        retry.unref();
        return;
      }
      failing = undefined;
      if (off + n < buf.length) writeAll(buf, off + n, minMs, cb);
      else cb();
    });
  };

  const stream = new Writable({
    highWaterMark: opts.highWaterMark ?? 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      writeAll(chunk, 0, minMs, cb);
    },
    writev(chunks, cb) {
      writeAll(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), 0, minMs, cb);
    },
    destroy(err, cb) {
      // The fd is inherited (stdout): never closed here, only no longer written.
      if (retry) clearTimeout(retry);
      cb(err);
    },
  }) as FdStream;
  stream.health = () => {
    if (broken) return { ok: false, detail: `broken: ${broken.code ?? ''} ${broken.message}`.trim() };
    if (failing) return { ok: false, detail: `writes failing, retrying: ${failing.code ?? ''} ${failing.message}`.trim() };
    return { ok: true, detail: 'writing' };
  };
  return stream;
}
