import { RE2JS } from 're2js';

/**
 * The `regex` operator, in linear time. Falco evaluates `regex` with RE2
 * (a full match); JavaScript's RegExp backtracks, and a rule file is
 * untrusted input: `(a+)+$` against a 34-byte argument froze the agent for
 * 30 s. re2js is RE2's own algorithm ported to JavaScript (no native build,
 * no install script), so a pattern either compiles to an automaton matched
 * in time linear in the input, or is rejected at load with RE2's message:
 * lookarounds and backreferences do not exist in RE2, as in Falco.
 * Why re2js and not re2 (native) or re2-wasm: see docs/never-blind.md and
 * bench/regex/RESULTS.md.
 */
export interface LinearRegex {
  /** True when the whole of `s` matches (Falco's regex is anchored at both ends). */
  test(s: string): boolean;
}

export function compileLinearRegex(src: string): LinearRegex {
  const re = RE2JS.compile(src);
  return { test: (s) => re.matches(s) };
}
