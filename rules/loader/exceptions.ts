import { isMap, isSeq, type Node } from 'yaml';
import { RulesIssueCode } from '../errors.js';
import { COMPARE_OPS, LIST_COMPARE_OPS, parseField } from '../parser/index.js';

import { type IssueSink, ItemProblem } from './issues.js';
import type { ExValue, ExceptionDef, Located } from './model.js';
import { nodeLocation } from './source.js';
import { deref, isEmptyNode, MapReader, scalarText } from './yaml-item.js';

/**
 * Rule exceptions, as Falco reads them (rule_loader_reader / collector):
 * `name`, `fields` (one field or a tuple), optional `comps` (default `in`
 * for one field, `=` per field for a tuple), `values`.
 */

/** Reads the `exceptions` key. `appending`: fields may be absent (adding values to an existing exception). */
export function readExceptions(r: MapReader, sink: IssueSink, item: string, appending: boolean): ExceptionDef[] {
  const node = r.node('exceptions');
  if (isEmptyNode(node)) return [];
  if (!isSeq(node)) throw new ItemProblem(RulesIssueCode.BAD_VALUE, "'exceptions' must be a list", r.locOf('exceptions'));
  const out: ExceptionDef[] = [];
  for (const raw of node.items) {
    const exNode = deref(r.doc, raw);
    const loc = nodeLocation(r.file, exNode as Node | null, node.range?.[0] ?? 0);
    if (!isMap(exNode)) throw new ItemProblem(RulesIssueCode.EXCEPTION, 'an exception must be a mapping with name, fields, comps, values', loc);
    const ex = new MapReader(r.file, r.doc, exNode);
    for (const k of ex.keys()) {
      if (!EXCEPTION_KEYS.has(k)) sink.warn(RulesIssueCode.UNKNOWN_KEY, `unknown key '${k}' in exception`, ex.keyLoc(k), item);
    }
    if (!ex.has('name')) throw new ItemProblem(RulesIssueCode.EXCEPTION, "exception has no 'name'", loc);
    const name = ex.str('name', true);
    if (out.some((e) => e.name === name)) {
      sink.warn(RulesIssueCode.EXCEPTION, `exception '${name}' is defined more than once in the same rule`, loc, item);
    }
    const fields = entry(ex, 'fields');
    if (!fields && !appending) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${name}' has no 'fields'`, loc);
    const comps = entry(ex, 'comps');
    let values: ExValue[] = [];
    if (ex.has('values') && !isEmptyNode(ex.node('values'))) {
      const v = ex.node('values');
      if (!isSeq(v)) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${name}': 'values' must be a list`, ex.locOf('values'));
      values = v.items.map((it) => exValue(ex, it, 0));
    } else if (appending) {
      sink.warn(RulesIssueCode.EXCEPTION, `exception '${name}' is appended without values`, loc, item);
    }
    const def: ExceptionDef = { name, loc, values };
    if (fields) def.fields = fields;
    if (comps) def.comps = comps;
    out.push(def);
  }
  return out;
}

const EXCEPTION_KEYS: ReadonlySet<string> = new Set(['name', 'fields', 'comps', 'values']);

function entry(ex: MapReader, key: string): ExceptionDef['fields'] {
  if (!ex.has(key)) return undefined;
  const n = ex.node(key);
  const loc = ex.locOf(key);
  const t = scalarText(n);
  if (t !== undefined) {
    if (t.trim() === '') throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${key}' must not be empty`, loc);
    return { list: false, items: [{ value: t.trim(), loc }], loc };
  }
  if (!isSeq(n)) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${key}' must be a string or a list of strings`, loc);
  const items: Located<string>[] = [];
  for (const raw of n.items) {
    const it = deref(ex.doc, raw);
    const iloc = nodeLocation(ex.file, it as Node | null, n.range?.[0] ?? 0);
    const s = scalarText(it);
    if (s === undefined || s.trim() === '') throw new ItemProblem(RulesIssueCode.EXCEPTION, `every entry of exception '${key}' must be a non-empty string`, iloc);
    items.push({ value: s.trim(), loc: iloc });
  }
  return { list: true, items, loc };
}

function exValue(ex: MapReader, raw: unknown, depth: number): ExValue {
  const n = deref(ex.doc, raw);
  const loc = nodeLocation(ex.file, n as Node | null, ex.map.range?.[0] ?? 0);
  const t = scalarText(n);
  if (t !== undefined) return { kind: 'scalar', text: t, loc };
  if (isSeq(n) && depth < 2) return { kind: 'list', items: n.items.map((it) => exValue(ex, it, depth + 1)), loc };
  throw new ItemProblem(RulesIssueCode.EXCEPTION, 'exception values must be strings, or lists of strings', loc);
}

/**
 * Completes and checks an exception as Falco's validate_exception_info does,
 * and checks every value against the field tuple (Falco does the latter when
 * it builds the condition; here it is reported at the value's position).
 */
export function validateException(ex: ExceptionDef): void {
  const fields = ex.fields;
  if (!fields) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}' has no 'fields'`, ex.loc);
  for (const f of fields.items) {
    const p = parseField(f.value);
    if (!p.field) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': '${f.value}' is not a field: ${p.issues[0]?.message ?? 'invalid'}`, f.loc);
  }
  if (fields.list) {
    if (!ex.comps) ex.comps = { list: true, items: fields.items.map((f) => ({ value: '=', loc: f.loc })), loc: fields.loc };
    const comps = ex.comps;
    if (!comps.list || comps.items.length !== fields.items.length) {
      throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': fields and comps must be lists of equal length`, comps.loc);
    }
    for (const c of comps.items) {
      if (!COMPARE_OPS.has(c.value as never)) {
        throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': '${c.value}' is not a supported comparison operator`, c.loc);
      }
    }
  } else {
    if (!ex.comps) ex.comps = { list: false, items: [{ value: 'in', loc: fields.loc }], loc: fields.loc };
    const comps = ex.comps;
    if (comps.list) throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': fields and comps must both be strings`, comps.loc);
    const op = comps.items[0]!.value;
    if (!LIST_COMPARE_OPS.has(op)) {
      throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': with a single field, comps must be one of in, pmatch, intersects (got '${op}')`, comps.loc);
    }
  }
  checkValues(ex, ex.values);
}

export function checkValues(ex: ExceptionDef, values: readonly ExValue[]): void {
  const fields = ex.fields;
  if (!fields) return;
  for (const v of values) {
    if (fields.list) {
      if (v.kind !== 'list' || v.items.length !== fields.items.length) {
        throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': each value must be a list of ${fields.items.length} entries, one per field`, v.loc);
      }
      for (const item of v.items) {
        if (item.kind === 'list' && item.items.some((x) => x.kind !== 'scalar')) {
          throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': a value list may only hold strings`, item.loc);
        }
      }
    } else if (v.kind !== 'scalar') {
      throw new ItemProblem(RulesIssueCode.EXCEPTION, `exception '${ex.name}': with a single field, each value must be a string`, v.loc);
    }
  }
}

/**
 * Falco's append semantics: an exception with a known name adds values
 * (fields/comps may not be restated); a new name adds a whole exception.
 * Returns the new list; throws before anything is changed.
 */
export function mergeExceptions(prev: readonly ExceptionDef[], added: readonly ExceptionDef[]): ExceptionDef[] {
  const out = prev.map((e) => ({ ...e, values: [...e.values] }));
  for (const ex of added) {
    const existing = out.find((e) => e.name === ex.name);
    if (!existing) {
      if (ex.values.length === 0) throw new ItemProblem(RulesIssueCode.EXCEPTION, `new exception '${ex.name}' must have values`, ex.loc);
      validateException(ex);
      out.push(ex);
      continue;
    }
    if (ex.fields) throw new ItemProblem(RulesIssueCode.EXCEPTION, `cannot append fields to existing exception '${ex.name}', only values`, ex.fields.loc);
    if (ex.comps) throw new ItemProblem(RulesIssueCode.EXCEPTION, `cannot append comps to existing exception '${ex.name}', only values`, ex.comps.loc);
    checkValues(existing, ex.values);
    existing.values.push(...ex.values);
  }
  return out;
}
