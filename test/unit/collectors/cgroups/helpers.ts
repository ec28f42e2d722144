import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export { testDeps, type TestDeps } from '../../../helpers/deps.js';

export const FIXTURES = join(import.meta.dirname, '../../../fixtures');
export const V1 = join(FIXTURES, 'cgroup-v1');
export const V2 = join(FIXTURES, 'cgroup-v2');
export const PROC = join(FIXTURES, 'cgroup-proc');

export const ID = { A: 'a'.repeat(64), B: 'b'.repeat(64), C: 'c'.repeat(64), D: 'd'.repeat(64), E: 'e'.repeat(64), H: `${'f'.repeat(63)}0` };
export const UID = '3f1c2a9e-5b7d-4e8f-9a1b-2c3d4e5f6a7b';
export const UID2 = '11111111-2222-3333-4444-555555555555';
export const UID3 = '99999999-8888-7777-6666-555555555555';

/** A writable copy of a fixture tree (tests mutate it). */
export function copyFixture(src: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cg-'));
  cpSync(src, dir, { recursive: true, verbatimSymlinks: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Series lines of one metric from the Prometheus text output. */
export function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}
