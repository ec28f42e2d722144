import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RulesIssueCode } from '../errors.js';
import type { Issue } from '../types.js';

export interface RuleText {
  readonly path: string;
  readonly text: string;
}

/**
 * Expands paths in order: a file is read as is, a directory contributes its
 * *.yaml / *.yml files sorted by name (not recursive, like Falco's
 * rules_files). An unreadable path becomes an Issue, never an exception.
 */
export async function readRulePaths(paths: readonly string[]): Promise<{ files: RuleText[]; errors: Issue[] }> {
  const files: RuleText[] = [];
  const errors: Issue[] = [];
  const fail = (path: string, e: unknown): void => {
    const code = (e as NodeJS.ErrnoException)?.code;
    errors.push({ code: RulesIssueCode.READ, message: `cannot read ${path}: ${code ?? (e as Error)?.message ?? String(e)}`, file: path, line: 1, col: 1 });
  };
  for (const p of paths) {
    try {
      const st = await stat(p);
      if (st.isDirectory()) {
        const names = (await readdir(p)).filter((n) => /\.ya?ml$/i.test(n)).sort(compareNames);
        for (const n of names) {
          const fp = join(p, n);
          try {
            if (!(await stat(fp)).isFile()) continue;
            files.push({ path: fp, text: await readFile(fp, 'utf8') });
          } catch (e) {
            fail(fp, e);
          }
        }
      } else {
        files.push({ path: p, text: await readFile(p, 'utf8') });
      }
    } catch (e) {
      fail(p, e);
    }
  }
  return { files, errors };
}

/** Byte order of names, so that the order does not depend on the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
