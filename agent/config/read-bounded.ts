import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Largest config file read: a real one is a few hundred bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a config file without trusting it: only a regular file (a FIFO
 * would block the open, /dev/zero or /dev/urandom never end), and at most
 * `maxBytes` (one more byte read says it is too large). Throws with a
 * message for the config error.
 */
export function readFileBounded(path: string, maxBytes = MAX_CONFIG_BYTES): string {
  if (!statSync(path).isFile()) throw new Error('not a regular file');
  const fd = openSync(path, 'r');
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}
