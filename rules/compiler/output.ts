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

/**
 * Parses `%field`, `%field[arg]` and `%(field)` once. A name that is not a
 * known field but becomes one without trailing dots (`%proc.name.` at the end
 * of a sentence) is read without them.
 */
export function compileOutput(text: string): OutputTemplate {
  const parts: Part[] = [];
  const keys: string[] = [];
  const bound = new Map<string, BoundField | undefined>();
  const unknown: string[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '%') { lit += c; i++; continue; }
    let j = i + 1;
    const paren = text[j] === '(';
    if (paren) j++;
    NAME_RE.lastIndex = j;
    const m = NAME_RE.exec(text);
    if (m === null) { lit += c; i++; continue; }
    let name = m[0];
    j += name.length;
    let arg: string | undefined;
    if (text[j] === '[') {
      const close = text.indexOf(']', j);
      if (close > j) { arg = text.slice(j + 1, close); j = close + 1; }
    }
    if (arg === undefined) {
      while (name.endsWith('.') && bindField(name) !== undefined && typeof bindField(name) === 'string') { name = name.slice(0, -1); j--; }
    }
    if (paren) { if (text[j] === ')') j++; }
    const key = arg === undefined ? name : `${name}[${arg}]`;
    if (!bound.has(key)) {
      const f = bindKey(name, arg);
      bound.set(key, f);
      keys.push(key);
      if (f === undefined) unknown.push(key);
    }
    if (lit !== '') { parts.push(lit); lit = ''; }
    parts.push({ key, field: bound.get(key) });
    i = j;
  }
  if (lit !== '') parts.push(lit);
  for (const k of ALWAYS_FIELDS) if (!bound.has(k)) { bound.set(k, bindKey(k, undefined)); keys.push(k); }
  const entries = keys.map((k) => [k, bound.get(k)] as const);
  return {
    keys,
    unknown,
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
