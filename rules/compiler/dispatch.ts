import { AUDIT_EVENT_TYPES, EVENT_TYPES, type EventType, type VigilEvent } from '../event.js';
import type { Getter } from '../fields/index.js';
import { generateRunner } from './codegen.js';
import type { MemoPlan } from './codegen.js';
import type { CompiledRule } from './rule.js';
import { getOrInsert } from '../../core/collections.js';

const EMPTY: readonly CompiledRule[] = [];
const VIGIL_TYPES: readonly EventType[] = [...new Set<EventType>([...EVENT_TYPES, ...AUDIT_EVENT_TYPES])];

/**
 * A bucket narrowed by one field: rules constraining it to values (`proc.name
 * in (...)`) are only visited when the event has one of those values. Each
 * value's list is precomputed with the unconstrained rules merged in, so
 * file order (first-match) holds. The unconstrained rules (`rest`) are
 * narrowed again by the next best field (a second level), e.g. connect rules
 * by `fd.sip` first, then the ones without it by `fd.sport`.
 */
export interface Bucket {
  readonly all: readonly CompiledRule[];
  readonly get?: Getter;
  readonly key?: string;
  readonly byValue?: ReadonlyMap<string | number, readonly CompiledRule[]>;
  readonly rest?: Bucket;
}

export interface SourceIndex {
  readonly byType: ReadonlyMap<string, Bucket>;
  readonly any: Bucket;
}

// Below this many rules a bucket is scanned as is; above this many list
// entries the per-value lists are not worth their memory.
const MIN_INDEXED = 4;
const MAX_ENTRIES = 200_000;
const MAX_DEPTH = 2;

function bucket(rules: readonly CompiledRule[], used: ReadonlySet<string> = new Set(), depth = 1): Bucket {
  if (rules.length < MIN_INDEXED || depth > MAX_DEPTH) return { all: rules };
  const score = new Map<string, number>();
  for (const r of rules) for (const k of new Set(r.eq.map((c) => c.key))) if (!used.has(k)) score.set(k, (score.get(k) ?? 0) + 1);
  let best: string | undefined;
  let bestN = 1;
  for (const [k, n] of score)
    if (n > bestN) {
      best = k;
      bestN = n;
    }
  if (best === undefined) return { all: rules };
  let get: Getter | undefined;
  const constrained = new Map<CompiledRule, Set<string | number>>();
  for (const r of rules) {
    const cs = r.eq.filter((c) => c.key === best);
    if (cs.length === 0) continue;
    get ??= cs[0]!.get;
    // Several conjuncts on the same field: the value must satisfy all of them.
    let vals = new Set(cs[0]!.values);
    for (const c of cs.slice(1)) vals = new Set(c.values.filter((v) => vals.has(v)));
    constrained.set(r, vals);
  }
  const rest = rules.filter((r) => !constrained.has(r));
  const values = new Set<string | number>();
  for (const vs of constrained.values()) for (const v of vs) values.add(v);
  if (values.size * rest.length + constrained.size > MAX_ENTRIES) return { all: rules };
  // Each value's rules in file order: the unconstrained ones and those allowing the value.
  // One pass over the rules, not one per value: with a distinct value per rule
  // (proc.name = x in thousands of rules) the per-value filter made a reload quadratic.
  const lists = new Map<string | number, CompiledRule[]>();
  for (const v of values) lists.set(v, []);
  for (const r of rules) {
    const vs = constrained.get(r);
    if (vs === undefined) for (const l of lists.values()) l.push(r);
    else for (const v of vs) lists.get(v)!.push(r);
  }
  const byValue: Map<string | number, readonly CompiledRule[]> = lists;
  return { all: rules, get: get!, key: best, byValue, rest: bucket(rest, new Set([...used, best]), depth + 1) };
}

export function buildIndex(rules: readonly CompiledRule[]): ReadonlyMap<string, SourceIndex> {
  const sources = new Map<string, CompiledRule[]>();
  for (const r of rules) {
    const l = getOrInsert(sources, r.source, () => []);
    l.push(r);
  }
  const out = new Map<string, SourceIndex>();
  for (const [src, list] of sources) {
    const types = new Set<string>(VIGIL_TYPES);
    for (const r of list) if (r.evtTypes !== null) for (const t of r.evtTypes) types.add(t);
    const byType = new Map<string, Bucket>();
    for (const t of types) byType.set(t, bucket(list.filter((r) => r.evtTypes === null || r.evtTypes.has(t))));
    out.set(src, { byType, any: bucket(list.filter((r) => r.evtTypes === null)) });
  }
  return out;
}

/** Called for a rule whose condition holds; returns true to stop (first-match). */
export type HitFn = (r: CompiledRule, e: VigilEvent) => boolean;
/** Called for a `for:` rule whose condition does not hold (its pending episode ends). */
export type MissFn = (r: CompiledRule, e: VigilEvent) => void;
/** Per-type event counters kept by the engine; `other` counts types outside vigil's set. */
export type TypeCounts = Record<EventType, number>;
/**
 * Evaluates the rules an event can match, in file order, calling hit/miss;
 * returns how many conditions it evaluated.
 */
export type RunFn = (e: VigilEvent, hit: HitFn, miss: MissFn, counts: TypeCounts, other: (type: string) => void) => number;

const EMPTY_RUN: RunFn = () => 0;

export function newTypeCounts(): TypeCounts {
  return Object.fromEntries(VIGIL_TYPES.map((t) => [t, 0])) as TypeCounts;
}

// Lists up to this long get their conditions inlined into one function;
// longer ones call each rule's own function (bounded code size).
const MAX_INLINE = 24;

/**
 * One function per distinct rule list. Short lists have their conditions
 * inlined (codegen.ts generateRunner); long ones call each rule's generated
 * condition from a call site of its own, which V8 can still inline (a loop
 * over `r.test(e)` is one call site shared by every rule, so it inlines
 * nothing).
 */
function runnerFor(list: readonly CompiledRule[], plan: MemoPlan): RunFn {
  if (list.length <= MAX_INLINE) {
    return generateRunner(
      list.map((r) => ({ node: r.node, rule: r, reportMiss: r.forMs !== undefined })),
      plan,
    ) as RunFn;
  }
  const consts: unknown[] = [];
  const c = (v: unknown): string => `k${consts.push(v) - 1}`;
  let body = '';
  list.forEach((r, i) => {
    const rr = c(r);
    body += `  if (${c(r.test)}(e)) { if (hit(${rr}, e)) return ${i + 1}; }`;
    body += r.forMs !== undefined ? ` else miss(${rr}, e);\n` : '\n';
  });
  body += `  return ${list.length};\n`;
  const names = consts.map((_, i) => `k${i}`);
  return (new Function(...names, `return function run(e, hit, miss) {\n${body}};`) as (...a: unknown[]) => RunFn)(...consts);
}

interface Counting {
  /** Code that counts an event of type `t` (a constant) inside its case. */
  readonly known: (t: string) => string;
  /** Code that counts an event whose type is only known at run time. */
  readonly unknown: string;
}

function generate<T>(
  index: ReadonlyMap<string, SourceIndex>,
  leaf: (list: readonly CompiledRule[]) => { value: T; call: (k: string) => string },
  counting: Counting | undefined,
  params: string,
  none: string,
): (...args: never[]) => unknown {
  const consts: unknown[] = [];
  const c = (v: unknown): string => `k${consts.push(v) - 1}`;
  let temps = 0;
  const ret = (list: readonly CompiledRule[]): string => {
    const l = leaf(list);
    return l.call(c(l.value));
  };
  const emit = (b: Bucket, pad: string): string => {
    if (b.get === undefined || b.byValue === undefined || b.rest === undefined) return `${pad}return ${ret(b.all)};\n`;
    const v = `v${temps++}`;
    const m = c(
      new Map(
        [...b.byValue].map(([val, list]) => {
          const l = leaf(list);
          return [val, l.value];
        }),
      ),
    );
    const l = `l${temps++}`;
    return (
      `${pad}{\n${pad}  const ${v} = ${c(b.get)}(e);\n` +
      `${pad}  if (${v} !== undefined) { const ${l} = ${m}.get(${v}); if (${l} !== undefined) return ${leaf(b.all).call(l)}; }\n` +
      emit(b.rest, `${pad}  `) +
      `${pad}}\n`
    );
  };
  // The event is counted by type in the same switch that dispatches it.
  const vigil = new Set<string>(VIGIL_TYPES);
  const count = (t: string | undefined, pad: string): string => {
    if (counting === undefined) return '';
    return `${pad + (t !== undefined && vigil.has(t) ? counting.known(t) : counting.unknown)}\n`;
  };
  let body = 'switch (e.source) {\n';
  for (const [src, s] of index) {
    body += `  case ${JSON.stringify(src)}:\n    switch (e.type) {\n`;
    for (const [t, b] of s.byType) body += `      case ${JSON.stringify(t)}:\n${count(t, '        ')}${emit(b, '        ')}`;
    body += `      default:\n${count(undefined, '        ')}${emit(s.any, '        ')}    }\n`;
  }
  body += '}\n';
  if (counting !== undefined) {
    // A source no rule uses: still counted.
    body += 'switch (e.type) {\n';
    for (const t of VIGIL_TYPES) body += `  case ${JSON.stringify(t)}: ${counting.known(t)} break;\n`;
    body += `  default: ${counting.unknown}\n}\n`;
  }
  body += `return ${none};\n`;
  const names = consts.map((_, i) => `k${i}`);
  return (new Function('EMPTY', ...names, `return function dispatch(${params}) {\n${body}};`) as (...a: unknown[]) => (...args: never[]) => unknown)(EMPTY, ...consts);
}

/**
 * The dispatcher (source, evt.type, then the indexed fields) as one generated
 * function: a switch on interned strings and a monomorphic getter call per
 * bucket, instead of Map lookups and a getter call site shared by all
 * buckets. Names and values reach it only as JSON string literals or
 * parameters. Returns the candidate list.
 */
export function generateCandidates(index: ReadonlyMap<string, SourceIndex>): (e: VigilEvent) => readonly CompiledRule[] {
  return generate(index, (list) => ({ value: list, call: (k) => k }), undefined, 'e', 'EMPTY') as (e: VigilEvent) => readonly CompiledRule[];
}

/** The same dispatcher, counting the event by type and running the candidate list's runner. */
export function generateRun(index: ReadonlyMap<string, SourceIndex>, plan: MemoPlan): RunFn {
  // Equal lists (the same rules in the same order) share one runner.
  const runners = new Map<string, RunFn>();
  const ids = new Map<CompiledRule, number>();
  const idOf = (r: CompiledRule): number => getOrInsert(ids, r, () => ids.size);
  const runnerOf = (list: readonly CompiledRule[]): RunFn => {
    if (list.length === 0) return EMPTY_RUN;
    const key = list.map(idOf).join(',');
    const r = getOrInsert(runners, key, () => runnerFor(list, plan));
    return r;
  };
  const counting: Counting = { known: (t) => `counts[${JSON.stringify(t)}]++;`, unknown: 'other(e.type);' };
  // No rule for this type: nothing to call.
  return generate(index, (list) => ({ value: runnerOf(list), call: (k) => (list.length === 0 ? '0' : `${k}(e, hit, miss)`) }), counting, 'e, hit, miss, counts, other', '0') as RunFn;
}
