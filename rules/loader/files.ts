import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RulesIssueCode } from '../errors.js';
import type { Issue } from '../types.js';
import { checkFileSize, checkItemCount, DEFAULT_RULE_INPUT_LIMITS, type RuleInputLimits } from './limits.js';

export interface RuleText {
  readonly path: string;
  readonly text: string;
}

/**
 * Expands paths in order: a file is read as is, a directory contributes its
 * *.yaml / *.yml files sorted by name (not recursive, like Falco's
 * rules_files). An unreadable path becomes an Issue, never an exception;
 * so does a file over the input limits (limits.ts), which is never read.
 */
export async function readRulePaths(paths: readonly string[], limits: RuleInputLimits = DEFAULT_RULE_INPUT_LIMITS): Promise<{ files: RuleText[]; errors: Issue[] }> {
  const files: RuleText[] = [];
  const errors: Issue[] = [];
  let total = 0;
  let items = 0;
  /** Reads one regular file within the limits, or records why not. */
  const readOne = async (fp: string, size: number): Promise<void> => {
    const over = checkFileSize(fp, size, total, limits);
    if (over) return void errors.push(over);
    const text = await readFile(fp, 'utf8');
    // The file may have grown between stat and read.
    const grown = checkFileSize(fp, Buffer.byteLength(text), total, limits);
    if (grown) return void errors.push(grown);
    const counted = checkItemCount(fp, text, limits, items);
    if (counted.issue) return void errors.push(counted.issue);
    total += Buffer.byteLength(text);
    items += counted.items;
    files.push({ path: fp, text });
  };
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
            const fst = await stat(fp);
            if (!fst.isFile()) continue;
            await readOne(fp, fst.size);
          } catch (e) {
            fail(fp, e);
          }
        }
      } else if (st.isFile()) {
        await readOne(p, st.size);
      } else {
        errors.push({ code: RulesIssueCode.READ, message: `cannot read ${p}: not a regular file or directory`, file: p, line: 1, col: 1 });
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
