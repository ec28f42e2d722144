import { closeSync, openSync, readSync, readlinkSync, readdirSync } from 'node:fs';
import { isChurn } from '../../core/errors.js';

/**
 * Small synchronous readers for /proc. They avoid readFileSync's fstat and
 * growing buffers (a /proc file reports size 0): one open, as few reads as
 * needed into a reused buffer, one close. A scan of a few thousand pids makes
 * these calls tens of thousands of times, so syscalls per call matter.
 *
 * Every reader returns `undefined` when the file vanished (churn) and throws
 * anything else, so callers decide what is an error.
 */

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * When a read may be taken as the last one. /proc files are seq_files: a
 * read stops early either at the end of the data or when the kernel's
 * record buffer (at least one 4 KiB page) is full. So:
 * - 'single': single-record files (stat, status, cgroup: single_open) and
 *   cmdline (copied straight from the process's memory) come whole in one
 *   read whenever the caller's buffer had room.
 * - 'records': multi-record files (net/tcp...) end with a read shorter than
 *   a page minus the longest record (~180 bytes for tcp6). This matters for
 *   net/tcp, where every read() walks the whole TCP hash table (its cost
 *   per read is in bench/RESULTS.md), so the usual "read until 0" doubles
 *   the cost.
 * - 'all': read until read() returns 0.
 */
export type ReadMode = 'all' | 'single' | 'records';
const RECORDS_EOF_BELOW = 4096 - 256;

/** Reads at most `limit` bytes of `path` into `scratch`; undefined on churn. */
function readInto(path: string, limit: number, mode: ReadMode): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isChurn(err)) return undefined;
    throw err;
  }
  try {
    let len = 0;
    while (len < limit) {
      if (len === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, len);
        scratch = bigger;
      }
      const want = Math.min(limit - len, scratch.length - len);
      const n = readSync(fd, scratch, len, want, null);
      if (n === 0) break;
      len += n;
      if (mode === 'single' && n < want) break;
      if (mode === 'records' && n < Math.min(want, RECORDS_EOF_BELOW)) break;
    }
    return len;
  } catch (err) {
    if (isChurn(err)) return undefined;
    throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Up to `maxBytes` of a file; `truncated` is true when there was more (one
 * byte past the limit is read to tell "exactly max" from "more").
 */
export function readBytes(path: string, maxBytes: number, mode: ReadMode = 'all'): { readonly bytes: Buffer; readonly truncated: boolean } | undefined {
  const len = readInto(path, maxBytes + 1, mode);
  if (len === undefined) return undefined;
  // Copy out: scratch is reused by the next call.
  return { bytes: Buffer.from(scratch.subarray(0, Math.min(len, maxBytes))), truncated: len > maxBytes };
}

/**
 * Reads a whole file into the shared scratch buffer and returns its length,
 * for hot paths that parse bytes without making a string first. The bytes
 * are `scratch()[0, len)` and stay valid only until the next read through
 * this module. undefined on churn.
 */
export function readIntoScratch(path: string, mode: ReadMode = 'all'): number | undefined {
  return readInto(path, Number.MAX_SAFE_INTEGER, mode);
}

/** The buffer readIntoScratch filled (it may be replaced by a bigger one as files grow). */
export function scratchBuffer(): Buffer {
  return scratch;
}

/** Whole file as text (UTF-8, invalid bytes replaced by U+FFFD), or undefined on churn. */
export function readText(path: string, mode: ReadMode = 'all'): string | undefined {
  const len = readInto(path, Number.MAX_SAFE_INTEGER, mode);
  return len === undefined ? undefined : scratch.toString('utf8', 0, len);
}

/** Target of a symlink, or undefined on churn. */
export function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (err) {
    if (isChurn(err)) return undefined;
    throw err;
  }
}

/** Names in a directory, or undefined on churn. */
export function listDir(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch (err) {
    if (isChurn(err)) return undefined;
    throw err;
  }
}
