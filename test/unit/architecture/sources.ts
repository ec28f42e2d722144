import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's root, for the architecture tests. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** Every .ts file under `dir`, recursively. */
export function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}
