import type { VigilEvent } from '../event.js';
import { bindField } from '../fields/index.js';
import type { BoundField, FieldValue } from '../fields/index.js';

type Part = string | { readonly key: string; readonly field: BoundField | undefined };

export interface OutputTemplate {
  /** Field keys as written (`proc.aname[2]`), output_fields order. */
  readonly keys: readonly string[];
  render(e: VigilEvent): string;
  fields(e: VigilEvent, into: Record<string, string | number | boolean | null>): void;
  /** Field names in the text that vigil does not know (they print <NA>). */
  readonly unknown: readonly string[];
  /** The text split at its field references (the same object for every alert of the rule). */
  readonly layout: OutputLayout;
}

/**
 * An output text as literals around field references: the rendered text is
 * literals[0] + value of keys[0] + literals[1] + ... + literals[keys.length].
 * Delivery sends it once per stream so receivers render alerts from values.
 */
export interface OutputLayout {
  readonly literals: readonly string[];
  /** output_fields keys, in text order (a key referenced twice appears twice). */
  readonly keys: readonly string[];
}

/** Always in output_fields, so a SIEM can group alerts by workload. */
export const ALWAYS_FIELDS: readonly string[] = ['container.id', 'container.name', 'k8s.ns.name', 'k8s.pod.name'];

const NAME_RE = /[A-Za-z_][A-Za-z0-9_.]*/y;

export function formatValue(f: BoundField | undefined, v: FieldValue | undefined): string {
  if (v === undefined || f === undefined) return '<NA>';
  if (Array.isArray(v)) return v.length === 0 ? '<NA>' : v.join(',');
  if (f.format !== undefined) return f.format(v);
  return String(v);
}

function jsonValue(v: FieldValue | undefined): string | number | boolean | null {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.join(',');
  return v as string | number | boolean;
}

function bindKey(name: string, arg: string | undefined): BoundField | undefined {
  const b = bindField(name, arg);
  return typeof b === 'string' ? undefined : b;
}

/** One `%field` in an output: where it starts (the `%`) and ends, as written. */
export interface OutputRef {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly arg?: string;
}

/**
 * Finds `%field`, `%field[arg]` and `%(field)`. Trailing dots of a name that
 * `known` does not accept are not part of it (`%proc.name.` ends a sentence).
 */
export function outputRefs(text: string, known: (name: string) => boolean): OutputRef[] {
  const refs: OutputRef[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '%') {
      i++;
      continue;
    }
    let j = i + 1;
    const paren = text[j] === '(';
    if (paren) j++;
    NAME_RE.lastIndex = j;
    const m = NAME_RE.exec(text);
    if (m === null) {
      i++;
      continue;
    }
    let name = m[0];
    j += name.length;
    let arg: string | undefined;
    if (text[j] === '[') {
      const close = text.indexOf(']', j);
      if (close > j) {
        arg = text.slice(j + 1, close);
        j = close + 1;
      }
    }
    if (arg === undefined) {
      while (name.endsWith('.') && !known(name)) {
        name = name.slice(0, -1);
        j--;
      }
    }
    if (paren && text[j] === ')') j++;
    refs.push(arg === undefined ? { start: i, end: j, name } : { start: i, end: j, name, arg });
    i = j;
  }
  return refs;
}

/** Parses the output text once into literal parts and bound fields. */
export function compileOutput(text: string): OutputTemplate {
  const parts: Part[] = [];
  const keys: string[] = [];
  const bound = new Map<string, BoundField | undefined>();
  const unknown: string[] = [];
  const literals: string[] = [];
  const refKeys: string[] = [];
  let last = 0;
  let lit = '';
  for (const r of outputRefs(text, (n) => typeof bindField(n) !== 'string')) {
    lit += text.slice(last, r.start);
    last = r.end;
    const key = r.arg === undefined ? r.name : `${r.name}[${r.arg}]`;
    if (!bound.has(key)) {
      const f = bindKey(r.name, r.arg);
      bound.set(key, f);
      keys.push(key);
      if (f === undefined) unknown.push(key);
    }
    literals.push(lit);
    refKeys.push(key);
    if (lit !== '') {
      parts.push(lit);
      lit = '';
    }
    parts.push({ key, field: bound.get(key) });
  }
  lit += text.slice(last);
  literals.push(lit);
  if (lit !== '') parts.push(lit);
  for (const k of ALWAYS_FIELDS)
    if (!bound.has(k)) {
      bound.set(k, bindKey(k, undefined));
      keys.push(k);
    }
  const entries = keys.map((k) => [k, bound.get(k)] as const);
  return {
    keys,
    unknown,
    layout: { literals, keys: refKeys },
    render(e) {
      let s = '';
      for (const p of parts) s += typeof p === 'string' ? p : formatValue(p.field, p.field?.get(e));
      return s;
    },
    fields(e, into) {
      for (const [k, f] of entries) into[k] = f === undefined ? null : jsonValue(f.get(e));
    },
  };
}
