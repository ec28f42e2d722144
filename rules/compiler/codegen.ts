import type { FieldExpr, Literal } from '../ast.js';
import type { VigilEvent } from '../event.js';
import { cidrContains, parseCidr, parseIp } from '../fields/index.js';
import type { BoundField, Cidr, FieldValue, IpValue } from '../fields/index.js';
import { printField } from '../print.js';
import { parseBool, parseNumber } from './compare.js';
import type { Pred } from './compare.js';
import { compileFieldExpr } from './field-expr.js';
import type { Node } from './lower.js';

/**
 * Per-event memo shared by every rule of one rule set. A slot holds a value
 * (a derived field such as proc.cmdline, a parsed IP, the result of a shared
 * macro sub-condition) and the epoch it was computed in; the epoch moves on
 * whenever a rule sees a different event object (and the engine also clears
 * `ev` before each event), so a value never outlives its event.
 */
export interface EvalCache {
  ev: VigilEvent | undefined;
  ep: number;
  readonly S: Float64Array;
  readonly V: unknown[];
}

/** Which keys get a memo slot, and the cache the slots live in. */
export interface MemoPlan {
  readonly slots: ReadonlyMap<string, number>;
  readonly cache: EvalCache;
}

// A sub-condition is memoized when it appears at least twice in the rule set
// and costs about this many simple comparisons: below, the slot check costs
// as much as the test.
const MEMO_MIN_COST = 3;
// Up to this many literals, `x in (...)` is a chain of === (no Set lookup).
const MAX_CHAIN = 4;

interface FieldUse {
  readonly fe: FieldExpr;
  readonly b: BoundField;
}

function leafField(n: Extract<Node, { k: 'leaf' }>): FieldUse {
  const fe = n.expr.kind === 'compare' ? n.expr.left : n.expr.field;
  return { fe, b: compileFieldExpr(fe) };
}

/** Whether a leaf compiles to inline code over an IP parsed once per event. */
function isIpLeaf(n: Extract<Node, { k: 'leaf' }>, b: BoundField): boolean {
  const x = n.expr;
  return (
    x.kind === 'compare' &&
    !b.any &&
    (b.type === 'ipaddr' || b.type === 'ipnet') &&
    x.right.kind !== 'fieldvalue' &&
    (x.op === '=' || x.op === '==' || x.op === '!=' || x.op === 'in' || x.op === 'intersects')
  );
}

/** Rough cost in simple comparisons, for the memo decision. */
function cost(n: Node): number {
  switch (n.k) {
    case 'const':
      return 0;
    case 'not':
      return cost(n.x);
    case 'and':
    case 'or':
      return n.xs.reduce((s, x) => s + cost(x), 0);
    case 'leaf': {
      const x = n.expr;
      if (x.kind !== 'compare') return 1;
      if (x.right.kind === 'fieldvalue') return 3;
      switch (x.op) {
        case '=':
        case '==':
        case '!=':
        case '<':
        case '<=':
        case '>':
        case '>=':
        case 'in':
        case 'intersects':
          return 1;
        case 'contains':
        case 'startswith':
        case 'endswith':
          return 2;
        default:
          return 4; // regex, glob, icontains, pmatch, bytes
      }
    }
  }
}

function visit(n: Node, counts: Map<string, number>): void {
  if (n.k === 'const') return;
  if (cost(n) >= MEMO_MIN_COST) counts.set(`x:${n.key}`, (counts.get(`x:${n.key}`) ?? 0) + 1);
  if (n.k === 'not') {
    visit(n.x, counts);
    return;
  }
  if (n.k !== 'leaf') {
    for (const x of n.xs) visit(x, counts);
    return;
  }
  const { fe, b } = leafField(n);
  const fk = printField(fe);
  if (b.derived) counts.set(`f:${fk}`, (counts.get(`f:${fk}`) ?? 0) + 1);
  if (isIpLeaf(n, b)) counts.set(`ip:${fk}`, (counts.get(`ip:${fk}`) ?? 0) + 1);
}

/**
 * Decides the memo slots for a set of conditions: derived field values, parsed
 * IPs and non-trivial sub-conditions (Falco's expanded macros) that occur
 * more than once.
 */
export function planMemo(roots: readonly Node[]): MemoPlan {
  const counts = new Map<string, number>();
  for (const r of roots) visit(r, counts);
  const slots = new Map<string, number>();
  for (const [k, n] of counts) if (n >= 2) slots.set(k, slots.size);
  return { slots, cache: { ev: undefined, ep: 0, S: new Float64Array(slots.size), V: new Array<unknown>(slots.size).fill(undefined) } };
}

const ipOf = (x: FieldValue | undefined): IpValue | undefined => (typeof x === 'string' ? parseIp(x) : undefined);

/** A set of exact addresses plus a list of networks, tested on a parsed IP. */
function ipMatcher(nets: readonly Cidr[]): (ip: IpValue) => boolean {
  const exact = new Set<IpValue>();
  const ranges: Cidr[] = [];
  for (const n of nets) {
    if (n.bits === (n.v6 ? 128 : 32)) exact.add(n.net);
    else ranges.push(n);
  }
  if (ranges.length === 0) return (ip) => exact.has(ip);
  return (ip) => {
    if (exact.has(ip)) return true;
    for (let i = 0; i < ranges.length; i++) if (cidrContains(ranges[i]!, ip)) return true;
    return false;
  };
}

class Gen {
  readonly consts: unknown[] = [];
  temps = 0;
  usesMemo = false;
  constructor(readonly plan: MemoPlan) {}

  c(v: unknown): string {
    return `k${this.consts.push(v) - 1}`;
  }
  tmp(): string {
    return `t${this.temps++}`;
  }

  memo(key: string, code: string): string {
    const slot = this.plan.slots.get(key);
    if (slot === undefined) return code;
    this.usesMemo = true;
    // Stamped after the value is computed: a throwing getter leaves no stale slot.
    return `(S[${slot}] === ep ? V[${slot}] : (V[${slot}] = ${code}, S[${slot}] = ep, V[${slot}]))`;
  }

  node(n: Node): string {
    switch (n.k) {
      case 'const':
        return n.v ? 'true' : 'false';
      case 'not':
        return this.memo(`x:${n.key}`, `!${this.node(n.x)}`);
      case 'and':
      case 'or':
        return this.memo(`x:${n.key}`, `(${n.xs.map((x) => this.node(x)).join(n.k === 'and' ? ' && ' : ' || ')})`);
      case 'leaf':
        return this.memo(`x:${n.key}`, this.leaf(n));
    }
  }

  field(fe: FieldExpr, b: BoundField): string {
    return this.memo(`f:${printField(fe)}`, `${this.c(b.get)}(e)`);
  }

  str(v: string): string {
    return JSON.stringify(v);
  }
  num(v: number): string {
    return Number.isFinite(v) && !Object.is(v, -0) ? `(${String(v)})` : this.c(v);
  }

  /** `x` tested against each literal with ===, or a Set for long lists. */
  oneOf(x: string, vals: readonly (string | number | boolean)[], lit: (v: never) => string): string {
    if (vals.length === 1) return `(${x} === ${lit(vals[0] as never)})`;
    if (vals.length <= MAX_CHAIN) {
      const t = this.tmp();
      return `((${t} = ${x}) === ${vals.map((v) => lit(v as never)).join(` || ${t} === `)})`;
    }
    return `${this.c(new Set(vals))}.has(${x})`;
  }

  leaf(n: Extract<Node, { k: 'leaf' }>): string {
    const fallback = `${this.c(n.pred)}(e)`;
    const x = n.expr;
    const { fe, b } = leafField(n);
    if (x.kind === 'truthy') return `(${this.field(fe, b)} === true)`;
    if (x.kind === 'exists') return b.any ? fallback : `(${this.field(fe, b)} !== undefined)`;
    if (b.any || x.right.kind === 'fieldvalue') return fallback;
    const lits: readonly Literal[] = x.right.kind === 'list' ? x.right.items : [x.right];
    if (lits.length === 0) return fallback;
    const single = x.op !== 'in' && x.op !== 'intersects';
    if (single && lits.length !== 1) return fallback;
    const op = x.op;
    switch (b.type) {
      case 'string': {
        const v = lits[0]!.value;
        const s = this.str(v);
        if (b.eqTest !== undefined && lits.length === 1 && (op === '=' || op === '==' || op === '!=' || op === 'in' || op === 'intersects')) {
          return `${this.c(b.eqTest(v, op === '!='))}(e)`;
        }
        switch (op) {
          case '=':
          case '==':
            return `(${this.field(fe, b)} === ${s})`;
          case 'in':
          case 'intersects':
            return this.oneOf(this.field(fe, b), [...new Set(lits.map((l) => l.value))], (w: string) => this.str(w));
          case '!=': {
            const t = this.tmp();
            return `((${t} = ${this.field(fe, b)}) !== undefined && ${t} !== ${s})`;
          }
          case 'contains': {
            // proc.cmdline contains "x": look in its parts, build no string.
            const fast = b.containsTest?.(v);
            if (fast !== undefined) return `${this.c(fast)}(e)`;
            const t = this.tmp();
            return `((${t} = ${this.field(fe, b)}) !== undefined && ${t}.includes(${s}))`;
          }
          case 'startswith': {
            const t = this.tmp();
            return `((${t} = ${this.field(fe, b)}) !== undefined && ${t}.startsWith(${s}))`;
          }
          case 'endswith': {
            const t = this.tmp();
            return `((${t} = ${this.field(fe, b)}) !== undefined && ${t}.endsWith(${s}))`;
          }
          default:
            return fallback;
        }
      }
      case 'number': {
        if (op === 'in' || op === 'intersects') return this.oneOf(this.field(fe, b), [...new Set(lits.map(parseNumber))], (w: number) => this.num(w));
        const v = this.num(parseNumber(lits[0]!));
        if (op === '=' || op === '==') return `(${this.field(fe, b)} === ${v})`;
        const js = op === '!=' ? '!==' : op;
        if (js !== '!==' && js !== '<' && js !== '<=' && js !== '>' && js !== '>=') return fallback;
        const t = this.tmp();
        return `((${t} = ${this.field(fe, b)}) !== undefined && ${t} ${js} ${v})`;
      }
      case 'bool': {
        if (op === '=' || op === '==') return `(${this.field(fe, b)} === ${String(parseBool(lits[0]!))})`;
        if (op === '!=') {
          const t = this.tmp();
          return `((${t} = ${this.field(fe, b)}) !== undefined && ${t} !== ${String(parseBool(lits[0]!))})`;
        }
        return fallback;
      }
      case 'ipaddr':
      case 'ipnet': {
        if (!isIpLeaf(n, b)) return fallback;
        // Literals were validated by the reference closure (n.pred).
        const test = this.c(ipMatcher(lits.map((l) => parseCidr(l.value)!)));
        const ip = this.memo(`ip:${printField(fe)}`, `${this.c(ipOf)}(${this.field(fe, b)})`);
        const t = this.tmp();
        return op === '!=' ? `((${t} = ${ip}) !== undefined && !${test}(${t}))` : `((${t} = ${ip}) !== undefined && ${test}(${t}))`;
      }
      default:
        return fallback;
    }
  }
}

/**
 * Generates one JavaScript function for a condition. Literals are embedded
 * as JSON string / number literals and everything else (getters, Sets,
 * matchers, fallback closures) is passed in as a parameter, so no rule text
 * ever becomes code. Each generated function has its own call sites, which
 * V8 sees as monomorphic and inlines: this is what closures composed at run
 * time cannot get (their shared call sites see every rule's getters).
 */
export function generatePred(root: Node, plan: MemoPlan): Pred {
  if (root.k === 'const') {
    const v = root.v;
    return () => v;
  }
  const g = new Gen(plan);
  const body = g.node(root);
  return build(g, 'rule(e)', `  return ${body};`) as Pred;
}

/** Wraps generated statements into a function whose free names are the memo cache and the constants. */
function build(g: Gen, signature: string, statements: string): unknown {
  const lines: string[] = [`return function ${signature} {`];
  if (g.usesMemo) lines.push('  if (C.ev !== e) { C.ev = e; C.ep++; }', '  const ep = C.ep;');
  if (g.temps > 0) lines.push(`  let ${Array.from({ length: g.temps }, (_, i) => `t${i}`).join(', ')};`);
  lines.push(statements, '};');
  const names = g.consts.map((_, i) => `k${i}`);
  const make = new Function('C', 'S', 'V', ...names, lines.join('\n')) as (...args: unknown[]) => unknown;
  return make(g.plan.cache, g.plan.cache.S, g.plan.cache.V, ...g.consts);
}

/** One rule of a runner: its folded condition and what hit/miss receive. */
export interface RunnerEntry<R> {
  readonly node: Node;
  readonly rule: R;
  /** The rule has `for:` (a miss must be reported). */
  readonly reportMiss: boolean;
}

/**
 * A list of rules evaluated in order as ONE generated function
 * `run(e, hit, miss)`: every condition inline, so loads and memo checks are
 * shared by the optimizer and no call is made per rule. Returns the number of
 * conditions evaluated (hit returning true stops, for first-match).
 */
export function generateRunner<R>(entries: readonly RunnerEntry<R>[], plan: MemoPlan): (e: VigilEvent, hit: (r: R, e: VigilEvent) => boolean, miss: (r: R, e: VigilEvent) => void) => number {
  const g = new Gen(plan);
  let body = '';
  entries.forEach((en, i) => {
    if (en.node.k === 'const' && !en.node.v && !en.reportMiss) return; // never holds, nothing to report
    const r = g.c(en.rule);
    body += `  if (${g.node(en.node)}) { if (hit(${r}, e)) return ${i + 1}; }${en.reportMiss ? ` else miss(${r}, e);` : ''}\n`;
  });
  body += `  return ${entries.length};`;
  return build(g, 'run(e, hit, miss)', body) as (e: VigilEvent, hit: (r: R, e: VigilEvent) => boolean, miss: (r: R, e: VigilEvent) => void) => number;
}
