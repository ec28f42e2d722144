import { RulesIssueCode } from '../errors.js';
import type { Issue } from '../types.js';

/**
 * Bounds on rule input, checked before anything is parsed. A rule file is
 * untrusted input to a node agent: a 50 MB file took 26.8 s and 3.9 GB to
 * validate, and its hot reload froze the agent (and its alerting) for 10 s.
 * The defaults leave a wide margin over real rule sets (Falco's stable rules
 * file is 64 KB and ~210 items); figures in docs/never-blind.md.
 */
export interface RuleInputLimits {
  /** Largest single rule file (checked with stat, before it is read). */
  readonly maxFileBytes: number;
  /** All rule files of one load together. */
  readonly maxTotalBytes: number;
  /** Top-level items (list, macro, rule...) in one file, counted before the YAML parse. */
  readonly maxItemsPerFile: number;
  /** Top-level items of all files of one load together (compiling is on the main thread: this bounds it). */
  readonly maxItemsTotal: number;
}

export const DEFAULT_RULE_INPUT_LIMITS: RuleInputLimits = {
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024,
  maxItemsPerFile: 5_000,
  maxItemsTotal: 5_000,
};

export function tooLarge(file: string, message: string): Issue {
  return { code: RulesIssueCode.TOO_LARGE, message, file, line: 1, col: 1 };
}

/** An issue when a file's size (from stat) is over the limits, given what the load already read. */
export function checkFileSize(file: string, bytes: number, readSoFar: number, l: RuleInputLimits): Issue | undefined {
  if (bytes > l.maxFileBytes) return tooLarge(file, `rule file is ${bytes} bytes, over the limit of ${l.maxFileBytes}: not loaded`);
  if (readSoFar + bytes > l.maxTotalBytes) return tooLarge(file, `rule files add up to over ${l.maxTotalBytes} bytes: not loaded`);
  return undefined;
}

/**
 * Counts top-level block-sequence items (`- ` at column 0) without parsing;
 * a flow-style file (`[...]`) is bounded by its size alone. `itemsSoFar`
 * is what earlier files of the same load held.
 */
export function checkItemCount(file: string, text: string, l: RuleInputLimits, itemsSoFar = 0): { readonly items: number; readonly issue?: Issue } {
  let n = 0;
  let at = 0;
  for (;;) {
    if (text.startsWith('-', at) && (text[at + 1] === ' ' || text[at + 1] === '\n' || text[at + 1] === '\r' || at + 1 === text.length)) {
      n++;
      if (n > l.maxItemsPerFile) return { items: n, issue: tooLarge(file, `rule file has over ${l.maxItemsPerFile} top-level items: not loaded`) };
      if (itemsSoFar + n > l.maxItemsTotal) return { items: n, issue: tooLarge(file, `rule files add up to over ${l.maxItemsTotal} top-level items: not loaded`) };
    }
    const nl = text.indexOf('\n', at);
    if (nl < 0) return { items: n };
    at = nl + 1;
  }
}
