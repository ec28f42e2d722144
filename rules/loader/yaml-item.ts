import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { RulesIssueCode } from '../errors.js';
import type { Location } from '../types.js';
import { ItemProblem } from './issues.js';
import type { Located } from './model.js';
import { locate, nodeLocation, type SourceFile, type TextPiece } from './source.js';
import { parseBool } from './values.js';

/** Follows an alias (`*anchor`) to its node; anything else is returned as is. */
export function deref(doc: Document, node: unknown): unknown {
  let n = node;
  // Bounded: an alias to an alias is legal YAML, a loop is not (the parser rejects it).
  for (let i = 0; i < 16 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return v === null || v === undefined ? '' : String(v);
}

/** True for a missing value or an empty plain scalar (`key:` with nothing after it). */
export function isEmptyNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && scalarText(node) === '' && node.type === 'PLAIN');
}

/**
 * Typed access to one YAML mapping (a rules-file item or a nested mapping
 * such as an exception), with positions for every problem. Type errors
 * throw ItemProblem, which the reader turns into one Issue for the item.
 */
export class MapReader {
  readonly loc: Location;

  constructor(
    readonly file: SourceFile,
    readonly doc: Document,
    readonly map: YAMLMap,
  ) {
    this.loc = nodeLocation(file, map, 0);
  }

  /** Keys in order; a non-scalar key is reported and skipped. */
  keys(): string[] {
    const out: string[] = [];
    for (const p of this.map.items) {
      const k = scalarText(deref(this.doc, p.key));
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  /** The last pair with this key (a duplicated key was already warned about by the YAML layer). */
  pair(key: string): Pair | undefined {
    let found: Pair | undefined;
    for (const p of this.map.items) if (scalarText(deref(this.doc, p.key)) === key) found = p;
    return found;
  }

  has(key: string): boolean {
    return this.pair(key) !== undefined;
  }

  node(key: string): unknown {
    const p = this.pair(key);
    return p === undefined ? undefined : deref(this.doc, p.value);
  }

  /** Position of the value of `key`, else of the key, else of the mapping. */
  locOf(key: string): Location {
    const p = this.pair(key);
    if (!p) return this.loc;
    const v = p.value as Node | null;
    if (v?.range) return nodeLocation(this.file, v, 0);
    return nodeLocation(this.file, p.key as Node | null, this.map.range?.[0] ?? 0);
  }

  keyLoc(key: string): Location {
    const p = this.pair(key);
    return p ? nodeLocation(this.file, p.key as Node | null, this.map.range?.[0] ?? 0) : this.loc;
  }

  /** A non-empty string value. */
  str(key: string, required: true): string;
  str(key: string, required?: false): string | undefined;
  str(key: string, required = false): string | undefined {
    if (!this.has(key)) {
      if (required) throw new ItemProblem(RulesIssueCode.MISSING_KEY, `missing required key '${key}'`, this.loc);
      return undefined;
    }
    const n = this.node(key);
    const t = scalarText(n);
    if (t === undefined) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'${key}' must be a string`, this.locOf(key));
    if (t.trim() === '') throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'${key}' must not be empty`, this.locOf(key));
    return t;
  }

  bool(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const t = scalarText(this.node(key));
    const b = t === undefined ? undefined : parseBool(t.trim());
    if (b === undefined) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'${key}' must be true or false`, this.locOf(key));
    return b;
  }

  /** A sequence of scalars (`tags`, list `items`). */
  strList(key: string): Located<string>[] | undefined {
    if (!this.has(key)) return undefined;
    const n = this.node(key);
    if (!isSeq(n)) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'${key}' must be a list`, this.locOf(key));
    const out: Located<string>[] = [];
    for (const raw of n.items) {
      const it = deref(this.doc, raw);
      const t = scalarText(it);
      const loc = nodeLocation(this.file, it as Node | null, n.range?.[0] ?? 0);
      if (t === undefined) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `every entry of '${key}' must be a string`, loc);
      out.push({ value: t, loc });
    }
    return out;
  }

  /** A condition scalar as a text piece that keeps its position in the file. */
  piece(key: string): TextPiece {
    const n = this.node(key);
    const t = scalarText(n);
    if (t === undefined) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'${key}' must be a string`, this.locOf(key));
    const fallback = (n as Node | null)?.range?.[0] ?? this.map.range?.[0] ?? 0;
    return isScalar(n) ? { file: this.file, text: t, node: n, fallback } : { file: this.file, text: t, fallback };
  }

  sub(node: unknown, what: string, loc: Location): MapReader {
    if (!isMap(node)) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `${what} must be a mapping`, loc);
    return new MapReader(this.file, this.doc, node);
  }

  at(offset: number): Location {
    return locate(this.file, offset);
  }
}
