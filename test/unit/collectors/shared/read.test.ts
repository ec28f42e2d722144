import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listDir, readBytes, readLink, readText } from '../../../../collectors/shared/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shared /proc readers', () => {
  it('return undefined for a vanished file (churn) and throw other failures', () => {
    expect(readText(join(dir, 'missing'))).toBeUndefined();
    expect(readBytes(join(dir, 'missing'), 10)).toBeUndefined();
    expect(readLink(join(dir, 'missing'))).toBeUndefined();
    expect(listDir(join(dir, 'missing'))).toBeUndefined();
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => readLink(join(dir, 'plain'))).toThrow(/EINVAL/);
  });
  it('reads files larger than the internal buffer whole', () => {
    const big = 'y'.repeat(200_000);
    writeFileSync(join(dir, 'big'), big);
    expect(readText(join(dir, 'big'))).toBe(big);
  });
  it('cuts at maxBytes and tells truncation apart from an exact fit', () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    expect(readBytes(join(dir, 'ten'), 4)).toEqual({ bytes: Buffer.from('0123'), truncated: true });
    expect(readBytes(join(dir, 'ten'), 10)).toEqual({ bytes: Buffer.from('0123456789'), truncated: false });
  });
  it('reads the real /proc in each mode', () => {
    expect(readText('/proc/self/stat', 'single')).toMatch(/^\d+ \(/);
    expect(readText('/proc/net/tcp', 'records')).toMatch(/local_address/);
  });
  it('reads links and decodes invalid UTF-8 with replacement characters', () => {
    symlinkSync('socket:[42]', join(dir, 'l'));
    expect(readLink(join(dir, 'l'))).toBe('socket:[42]');
    writeFileSync(join(dir, 'bin'), Buffer.from([0x61, 0xff, 0x62]));
    expect(readText(join(dir, 'bin'))).toBe('a\ufffdb');
  });
});
