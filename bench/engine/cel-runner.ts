import { parse } from '@marcbachmann/cel-js';
import type { VigilEvent } from '../../rules/event.js';

type Program = (ctx: Record<string, unknown>) => unknown;

/**
 * CEL expressions per event type, parsed once; the returned function counts
 * how many match one event, with the same dispatch by evt.type the engine
 * has, so the comparison is of evaluation, not of indexing.
 */
export function celMatcher(sources: Readonly<Record<string, readonly string[]>>): (e: VigilEvent) => number {
  const programs: Record<string, Program[]> = Object.fromEntries(Object.entries(sources).map(([t, srcs]) => [t, srcs.map((s) => parse(s) as unknown as Program)]));
  const none: Program[] = [];
  return (e) => {
    const ps = programs[e.type] ?? none;
    const ctx = { e };
    let n = 0;
    for (let i = 0; i < ps.length; i++) {
      try {
        if (ps[i]!(ctx) === true) n++;
      } catch {
        // a missing key: no match, as a missing field in Falco's semantics
      }
    }
    return n;
  };
}
