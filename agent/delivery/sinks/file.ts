import { appendFile, rename, stat } from 'node:fs/promises';
import type { FileOutputConfig } from '../output-config.js';
import { envelopeJson } from '../formats/envelope-json.js';
import type { PushSink } from '../push-output.js';

/**
 * One envelope per line (envelopeJson) appended to a file, rotated by
 * size: before a batch would take the file past maxBytes it becomes
 * `<path>.1` (the older ones shift up, the oldest past maxFiles is
 * overwritten), as logrotate's `rotate N` would leave them.
 */
export function createFileSink(cfg: FileOutputConfig): PushSink {
  let size: number | undefined;
  return {
    async send(batch) {
      const data = Buffer.from(batch.map((e) => `${envelopeJson(e)}\n`).join(''), 'utf8');
      size ??= await stat(cfg.path).then(
        (s) => s.size,
        () => 0,
      );
      if (size > 0 && size + data.length > cfg.maxBytes) {
        for (let i = cfg.maxFiles - 1; i >= 1; i--) await rename(`${cfg.path}.${i}`, `${cfg.path}.${i + 1}`).catch(() => undefined);
        await rename(cfg.path, `${cfg.path}.1`);
        size = 0;
      }
      await appendFile(cfg.path, data);
      size += data.length;
      return { rejected: 0 };
    },
    async close() {},
  };
}
