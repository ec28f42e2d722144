import type { Writable } from 'node:stream';
import type { ErrorReporter } from '../../core/deps.js';
import { isBrokenStreamError, type OutputHealth } from './health.js';
import type { OutputMetrics } from './metrics.js';

export type DropReason = 'queue_full' | 'write_error' | 'shutdown';

export interface LineWriter {
  /** Queues one line (newline added). False when it was dropped (and counted). */
  write(line: string): boolean;
  readonly depth: number;
  /** Not ok once the stream failed (EPIPE-class) or while the stream itself says so; backpressure is ok. */
  health(): OutputHealth;
  /** Waits until everything queued reached the stream, at most `timeoutMs`; what is left is dropped as `shutdown`. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * A bounded queue in front of a stream that respects backpressure: lines
 * are handed to the stream while it accepts them, queued (up to `maxQueue`)
 * while it waits for 'drain', and dropped beyond that. Every drop is
 * counted in vigil_output_dropped_total{output,reason}; nothing is lost
 * silently, and the agent never blocks on a slow reader. A full pipe is
 * only backpressure (the stream must not fail on EAGAIN: see fd-stream.ts);
 * a stream 'error' is final (Node destroys the stream), so later lines are
 * dropped as write_error and health() says why.
 */
export function createLineWriter(opts: { readonly output: string; readonly stream: Writable; readonly maxQueue: number; readonly metrics: OutputMetrics; readonly errors: ErrorReporter }): LineWriter {
  const { output, stream, maxQueue, metrics, errors } = opts;
  const queue: string[] = [];
  let waitingDrain = false;
  let broken = false;
  let brokenBy = '';
  let closed = false;
  let idle: (() => void) | undefined;

  const drop = (reason: DropReason, n = 1) => {
    if (n > 0) metrics.dropped.inc({ output, reason }, n);
  };
  const setDepth = () => metrics.queueDepth.set({ output }, queue.length);

  const onError = (err: Error) => {
    if (!broken) errors.report(`output.${output}`, 'write', err);
    broken = true;
    const code = (err as NodeJS.ErrnoException).code;
    brokenBy = `${isBrokenStreamError(err) ? 'broken' : 'failed'}: ${code ? `${code} ` : ''}${err.message}`;
    drop('write_error', queue.length);
    queue.length = 0;
    setDepth();
    idle?.();
  };
  const onDrain = () => {
    waitingDrain = false;
    pump();
  };
  stream.on('error', onError);
  stream.on('drain', onDrain);

  function pump(): void {
    while (!waitingDrain && !broken && queue.length > 0) {
      const line = queue.shift()!;
      metrics.written.inc({ output });
      if (!stream.write(line)) waitingDrain = true;
    }
    setDepth();
    if (queue.length === 0 && !waitingDrain) idle?.();
  }

  return {
    get depth() {
      return queue.length;
    },
    health() {
      if (broken) return { ok: false, detail: brokenBy };
      const own = (stream as Partial<{ health(): OutputHealth }>).health?.();
      if (own && !own.ok) return own;
      return { ok: true, detail: waitingDrain ? `backpressure: ${queue.length} queued` : 'writing' };
    },
    write(line) {
      if (broken) {
        drop('write_error');
        return false;
      }
      if (closed) {
        drop('shutdown');
        return false;
      }
      if (queue.length >= maxQueue) {
        drop('queue_full');
        return false;
      }
      queue.push(`${line}\n`);
      pump();
      return true;
    },
    async close(timeoutMs) {
      if (closed) return;
      closed = true;
      if (!broken && (queue.length > 0 || waitingDrain)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, timeoutMs);
          t.unref();
          idle = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      drop('shutdown', queue.length);
      queue.length = 0;
      setDepth();
      stream.off('drain', onDrain);
      // Keep a no-op error listener: a late EPIPE after close must not become an uncaught 'error'.
      stream.off('error', onError);
      stream.on('error', () => undefined);
    },
  };
}
