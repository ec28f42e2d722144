import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { Steps } from '../slices.js';
import { RulesIssueCode } from '../errors.js';
import { mergeExceptions, readExceptions, validateException } from './exceptions.js';
import { type IssueSink, ItemProblem, itemLabel } from './issues.js';
import type { Collected, Located, Ordered, RuleDef, ThrottleDef } from './model.js';
import { locate, nodeLocation, type SourceFile, type TextPiece } from './source.js';
import { engineSatisfies, parseDuration, parseEngineVersion, parsePriority } from './values.js';
import { deref, isEmptyNode, MapReader, scalarText } from './yaml-item.js';
import { parseYamlSteps } from './yaml-steps.js';

/**
 * Reads one rules file into the collection, item by item, with Falco's
 * semantics for define / append / override / enabled-only items. A bad item
 * is reported and skipped; the other items of the file still load.
 */

export interface ReadOptions {
  readonly engineVersion: readonly [number, number, number];
  readonly engineVersionText: string;
  readonly defaultThrottleKey: readonly string[];
}

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set([
  'rule',
  'desc',
  'condition',
  'output',
  'priority',
  'tags',
  'enabled',
  'source',
  'exceptions',
  'append',
  'override',
  'warn_evttypes',
  'skip-if-unknown-filter',
  'capture',
  'capture_duration',
  'for',
  'throttle',
]);
const RULE_APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
// Falco's overridable_replace (rule_loader_reader.cpp) plus vigil's for/throttle.
const RULE_REPLACEABLE = new Set([
  'condition',
  'output',
  'desc',
  'priority',
  'capture',
  'capture_duration',
  'tags',
  'exceptions',
  'enabled',
  'warn_evttypes',
  'skip-if-unknown-filter',
  'for',
  'throttle',
]);
// Falco's RGX_BARESTR and RGX_IDENTIFIER: names a condition can refer to.
const LIST_NAME_RE = /^[^()"'\s=,]+$/;
const MACRO_NAME_RE = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;

/** Reads one rules file into `into`, yielding while its YAML is parsed (rules/slices.ts). */
export function* readRulesFileSteps(file: SourceFile, into: Collected, sink: IssueSink, opts: ReadOptions): Steps<void> {
  let docs: Document[];
  try {
    docs = yield* parseYamlSteps(file.text);
  } catch (e) {
    sink.error(RulesIssueCode.YAML, `cannot parse YAML: ${(e as Error).message}`, locate(file, 0));
    return;
  }
  let broken = false;
  for (const doc of docs) {
    for (const err of doc.errors) {
      const message = firstLine(err.message);
      if (err.code === 'DUPLICATE_KEY') {
        sink.warn(RulesIssueCode.YAML, `${message} (the last one is used)`, locate(file, err.pos[0]));
      } else {
        sink.error(RulesIssueCode.YAML, message, locate(file, err.pos[0]));
        broken = true;
      }
    }
  }
  // Like Falco, a file that is not well-formed YAML contributes nothing. What
  // it names (best effort, line by line) counts as broken, so a rule it meant
  // to tune is dropped rather than run untuned.
  if (broken) {
    for (const m of file.text.matchAll(/^\s*-\s*(rule|macro|list):\s*(.+?)\s*$/gm)) {
      const name = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
      const key = `${m[1]}:${name}`;
      if (!into.broken.has(key)) into.broken.set(key, locate(file, m.index ?? 0));
    }
    return;
  }
  for (const doc of docs) {
    const contents = deref(doc, doc.contents);
    if (isEmptyNode(contents)) continue;
    if (!isSeq(contents)) {
      sink.error(RulesIssueCode.SCHEMA, 'a rules file must be a YAML list of items (- rule: ..., - macro: ..., - list: ...)', nodeLocation(file, contents as Node, 0));
      continue;
    }
    for (const raw of contents.items) {
      const node = deref(doc, raw);
      if (isEmptyNode(node)) continue;
      if (!isMap(node)) {
        sink.error(RulesIssueCode.SCHEMA, 'each item must be a mapping such as "- rule: NAME"', nodeLocation(file, node as Node, 0));
        continue;
      }
      const r = new MapReader(file, doc, node);
      readItem(r, into, sink, opts);
    }
  }
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? s;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function readItem(r: MapReader, into: Collected, sink: IssueSink, opts: ReadOptions): void {
  let label: string | undefined;
  try {
    if (r.has('required_engine_version')) {
      readEngineVersion(r, into, opts);
    } else if (r.has('required_plugin_versions')) {
      readPluginVersions(r, into);
    } else if (r.has('list') || r.has('macro')) {
      const kind = r.has('list') ? 'list' : 'macro';
      const name = r.str(kind, true);
      label = itemLabel(kind, name);
      const nameRe = kind === 'list' ? LIST_NAME_RE : MACRO_NAME_RE;
      if (!nameRe.test(name)) sink.warn(RulesIssueCode.INVALID_NAME, `${kind} name '${name}' is not valid: ${kind} names should match ${nameRe.source}`, r.locOf(kind), label);
      warnUnknownKeys(r, kind === 'list' ? LIST_KEYS : MACRO_KEYS, sink, label);
      if (kind === 'list') readList(r, name, into, sink, label);
      else readMacro(r, name, into, sink, label);
    } else if (r.has('rule')) {
      const name = r.str('rule', true);
      label = itemLabel('rule', name);
      warnUnknownKeys(r, RULE_KEYS, sink, label);
      readRule(r, name, into, sink, label, opts);
    } else {
      sink.warn(RulesIssueCode.UNKNOWN_ITEM, `unknown top-level item (keys: ${r.keys().join(', ') || 'none'}); expected rule, macro, list, required_engine_version or required_plugin_versions`, r.loc);
    }
  } catch (e) {
    if (!(e instanceof ItemProblem)) throw e;
    sink.error(e.code, e.message, e.loc, label);
    // What this item meant to change (define, tune or disable) did not happen:
    // remember it, so what depends on it is dropped rather than run untuned.
    const kind = r.has('rule') ? 'rule' : r.has('macro') ? 'macro' : r.has('list') ? 'list' : undefined;
    const name = kind ? scalarText(r.node(kind))?.trim() : undefined;
    if (kind && name && !into.broken.has(`${kind}:${name}`)) into.broken.set(`${kind}:${name}`, r.loc);
  }
}

function warnUnknownKeys(r: MapReader, known: ReadonlySet<string>, sink: IssueSink, label: string): void {
  for (const k of r.keys()) {
    if (!known.has(k)) sink.warn(RulesIssueCode.UNKNOWN_KEY, `unknown key '${k}' (ignored)`, r.keyLoc(k), label);
  }
}

// ---- versions ---------------------------------------------------------------

function readEngineVersion(r: MapReader, into: Collected, opts: ReadOptions): void {
  const text = r.str('required_engine_version', true);
  const v = parseEngineVersion(text);
  if (!v) {
    throw new ItemProblem(RulesIssueCode.ENGINE_VERSION, `cannot read required_engine_version '${text}': expected an integer or x.y.z`, r.locOf('required_engine_version'));
  }
  if (!engineSatisfies(opts.engineVersion, v)) {
    throw new ItemProblem(RulesIssueCode.ENGINE_VERSION, `rules require engine version ${v.join('.')}, but this rule engine is ${opts.engineVersionText}`, r.locOf('required_engine_version'));
  }
  const prev = into.requiredEngineVersion ? parseEngineVersion(into.requiredEngineVersion) : undefined;
  if (!prev || engineSatisfies(v, prev)) into.requiredEngineVersion = v.join('.');
}

/** Recorded (the agent may log them) but not enforced: vigil has no plugins. */
function readPluginVersions(r: MapReader, into: Collected): void {
  const n = r.node('required_plugin_versions');
  if (!isSeq(n)) throw new ItemProblem(RulesIssueCode.PLUGIN_VERSION, 'required_plugin_versions must be a list', r.locOf('required_plugin_versions'));
  for (const raw of n.items) {
    const node = deref(r.doc, raw);
    const loc = nodeLocation(r.file, node as Node | null, n.range?.[0] ?? 0);
    if (!isMap(node)) throw new ItemProblem(RulesIssueCode.PLUGIN_VERSION, 'a plugin requirement must be a mapping with name and version', loc);
    const p = new MapReader(r.file, r.doc, node);
    const name = pluginField(p, 'name');
    const version = pluginField(p, 'version');
    const alternatives: { name: string; version: string }[] = [];
    if (p.has('alternatives')) {
      const alts = p.node('alternatives');
      if (!isSeq(alts)) throw new ItemProblem(RulesIssueCode.PLUGIN_VERSION, 'alternatives must be a list', p.locOf('alternatives'));
      for (const a of alts.items) {
        const an = deref(r.doc, a);
        if (!isMap(an)) throw new ItemProblem(RulesIssueCode.PLUGIN_VERSION, 'a plugin alternative must be a mapping with name and version', nodeLocation(r.file, an as Node | null, 0));
        const ar = new MapReader(r.file, r.doc, an);
        alternatives.push({ name: pluginField(ar, 'name'), version: pluginField(ar, 'version') });
      }
    }
    into.plugins.push({ name, version, alternatives, loc });
  }
}

function pluginField(p: MapReader, key: string): string {
  try {
    return p.str(key, true);
  } catch (e) {
    if (e instanceof ItemProblem) throw new ItemProblem(RulesIssueCode.PLUGIN_VERSION, `plugin requirement: ${e.message}`, e.loc);
    throw e;
  }
}

// ---- overrides ----------------------------------------------------------------

interface Overrides {
  readonly append: Set<string>;
  readonly replace: Set<string>;
}

function readOverrides(r: MapReader, appendable: ReadonlySet<string>, replaceable: ReadonlySet<string>): Overrides | undefined {
  if (!r.has('override')) return undefined;
  const n = r.node('override');
  if (!isMap(n)) throw new ItemProblem(RulesIssueCode.OVERRIDE, "'override' must be a mapping of key: append | replace", r.locOf('override'));
  const o = new MapReader(r.file, r.doc, n);
  const out: Overrides = { append: new Set(), replace: new Set() };
  for (const key of o.keys()) {
    const op = scalarText(o.node(key))?.trim();
    if (op === 'append') {
      if (!appendable.has(key)) {
        const hint = replaceable.has(key) ? ", use 'replace' instead" : '';
        throw new ItemProblem(RulesIssueCode.OVERRIDE, `key '${key}' cannot be appended to${hint}`, o.keyLoc(key));
      }
      out.append.add(key);
    } else if (op === 'replace') {
      if (!replaceable.has(key)) throw new ItemProblem(RulesIssueCode.OVERRIDE, `key '${key}' cannot be replaced`, o.keyLoc(key));
      out.replace.add(key);
    } else {
      const allowed = [appendable.has(key) ? 'append' : '', replaceable.has(key) ? 'replace' : ''].filter(Boolean).join(', ');
      throw new ItemProblem(
        RulesIssueCode.OVERRIDE,
        `invalid override operation for key '${key}': '${op ?? ''}'${allowed ? ` (allowed: ${allowed})` : ` ('${key}' cannot be overridden)`}`,
        o.locOf(key),
      );
    }
  }
  if (out.append.size === 0 && out.replace.size === 0) {
    throw new ItemProblem(RulesIssueCode.OVERRIDE, "'override' names no key", r.locOf('override'));
  }
  return out;
}

// ---- lists and macros -----------------------------------------------------------

function readList(r: MapReader, name: string, into: Collected, sink: IssueSink, label: string): void {
  const items = r.strList('items');
  if (!items) throw new ItemProblem(RulesIssueCode.MISSING_KEY, "missing required key 'items'", r.loc);
  if (appendsTo(r, 'items', sink, label)) {
    const prev = previousOf(into.lists, 'list', name, r);
    prev.items.push(...items);
    prev.visibility = into.seq++;
    return;
  }
  into.lists.define({ name, items, loc: r.loc, ...ordered(into, into.lists.get(name)) });
}

/**
 * Whether a list or macro item extends the previous definition of `key`:
 * `append: true` (deprecated, warned) or `override: {key: append}`; both
 * at once is an error. A replace override is a plain redefinition.
 */
function appendsTo(r: MapReader, key: 'items' | 'condition', sink: IssueSink, label: string): boolean {
  const only = new Set([key]);
  const append = r.bool('append') ?? false;
  const ov = readOverrides(r, only, only);
  if (append && ov) throw new ItemProblem(RulesIssueCode.OVERRIDE, "'append' and 'override' cannot be used together", r.keyLoc('append'));
  if (append) sink.warn(RulesIssueCode.DEPRECATED, `'append: true' is deprecated; use 'override: {${key}: append}'`, r.keyLoc('append'), label);
  return append || ov?.append.has(key) === true;
}

function previousOf<T>(table: { get(name: string): T | undefined }, kind: 'list' | 'macro', name: string, r: MapReader): T {
  const prev = table.get(name);
  if (!prev) throw new ItemProblem(RulesIssueCode.NO_PREVIOUS, `${kind} '${name}' is appended to but was never defined before`, r.loc);
  return prev;
}

function readMacro(r: MapReader, name: string, into: Collected, sink: IssueSink, label: string): void {
  if (!r.has('condition')) throw new ItemProblem(RulesIssueCode.MISSING_KEY, "missing required key 'condition'", r.loc);
  const piece = conditionPiece(r);
  if (appendsTo(r, 'condition', sink, label)) {
    const prev = previousOf(into.macros, 'macro', name, r);
    prev.cond = { pieces: [...prev.cond.pieces, piece] };
    prev.visibility = into.seq++;
    return;
  }
  into.macros.define({ name, cond: { pieces: [piece] }, loc: r.loc, ...ordered(into, into.macros.get(name)) });
}

/** Falco's define_info: a redefinition keeps the first index and becomes visible from now. */
function ordered(into: Collected, prev: Ordered | undefined): Ordered {
  const id = into.seq++;
  return { index: prev?.index ?? id, visibility: id };
}

function conditionPiece(r: MapReader): TextPiece {
  const piece = r.piece('condition');
  if (piece.text.trim() === '') throw new ItemProblem(RulesIssueCode.EMPTY_CONDITION, 'condition is empty', r.locOf('condition'));
  return piece;
}

// ---- rules ----------------------------------------------------------------------

function readRule(r: MapReader, name: string, into: Collected, sink: IssueSink, label: string, opts: ReadOptions): void {
  const appendFlag = r.bool('append') ?? false;
  const ov = readOverrides(r, RULE_APPENDABLE, RULE_REPLACEABLE);
  if (appendFlag && ov) throw new ItemProblem(RulesIssueCode.OVERRIDE, "'append' and 'override' cannot be used together", r.keyLoc('append'));
  if (ov) {
    overrideRule(r, name, ov, into, sink, label, opts);
    return;
  }
  if (appendFlag) {
    sink.warn(RulesIssueCode.DEPRECATED, "'append: true' is deprecated; use 'override: {condition: append}'", r.keyLoc('append'), label);
    const prev = previousRule(into, name, r, 'appended to');
    const piece = r.has('condition') ? conditionPiece(r) : undefined;
    const exceptions = r.has('exceptions') ? mergeExceptions(prev.exceptions, readExceptions(r, sink, label, true)) : undefined;
    if (piece) prev.cond = { pieces: [...prev.cond.pieces, piece] };
    if (exceptions) prev.exceptions = exceptions;
    into.seq++;
    return;
  }
  if (!r.has('condition') && !r.has('output') && !r.has('desc') && !r.has('priority')) {
    // Falco's older form: `- rule: X` + `enabled: false` toggles an earlier rule.
    const enabled = r.bool('enabled');
    if (enabled === undefined) {
      throw new ItemProblem(RulesIssueCode.MISSING_KEY, 'a rule needs condition, output, desc and priority (or only enabled, to toggle an earlier rule)', r.loc);
    }
    const prev = previousRule(into, name, r, 'enabled/disabled');
    sink.warn(RulesIssueCode.DEPRECATED, "a rule item with only 'enabled' is deprecated; use 'override: {enabled: replace}'", r.keyLoc('enabled'), label);
    prev.enabled = enabled;
    into.seq++;
    return;
  }
  const cond = r.has('condition') ? conditionPiece(r) : missing(r, 'condition');
  const output = outputPiece(r);
  const desc = r.str('desc', true);
  const priority = readPriority(r);
  const source = r.str('source')?.trim() ?? 'syscall';
  const enabled = r.bool('enabled') ?? true;
  const warnEvttypes = r.bool('warn_evttypes') ?? true;
  const skipIfUnknownFilter = r.bool('skip-if-unknown-filter') ?? false;
  const capture = r.bool('capture');
  const captureDurationMs = r.has('capture_duration') ? readCaptureDuration(r) : undefined;
  const tags = readTags(r) ?? [];
  const exceptions = readExceptions(r, sink, label, false);
  for (const ex of exceptions) validateException(ex);
  const forMs = r.has('for') ? readDuration(r, 'for') : undefined;
  const throttle = r.has('throttle') ? readThrottle(r, sink, label, opts) : undefined;
  const prev = into.rules.get(name);
  if (prev && prev.source !== source) {
    throw new ItemProblem(RulesIssueCode.SOURCE_MISMATCH, `rule '${name}' is redefined with source '${source}', it was '${prev.source}'`, r.locOf('source'));
  }
  const def: RuleDef = {
    name,
    desc,
    cond: { pieces: [cond] },
    output: { pieces: [output] },
    priority,
    tags,
    enabled,
    source,
    exceptions,
    warnEvttypes,
    skipIfUnknownFilter,
    loc: r.loc,
  };
  if (forMs !== undefined) def.forMs = forMs;
  if (throttle) def.throttle = throttle;
  if (capture !== undefined) def.capture = capture;
  if (captureDurationMs !== undefined) def.captureDurationMs = captureDurationMs;
  into.rules.define(def);
  into.seq++;
}

function missing(r: MapReader, key: string): never {
  throw new ItemProblem(RulesIssueCode.MISSING_KEY, `missing required key '${key}'`, r.loc);
}

function previousRule(into: Collected, name: string, r: MapReader, what: string): RuleDef {
  const prev = into.rules.get(name);
  if (!prev) throw new ItemProblem(RulesIssueCode.NO_PREVIOUS, `rule '${name}' is ${what} but no rule by that name was defined before`, r.loc);
  return prev;
}

function overrideRule(r: MapReader, name: string, ov: Overrides, into: Collected, sink: IssueSink, label: string, opts: ReadOptions): void {
  for (const [kind, keys] of [
    ['append', ov.append],
    ['replace', ov.replace],
  ] as const) {
    for (const key of keys) {
      if (!r.has(key)) throw new ItemProblem(RulesIssueCode.OVERRIDE, `an ${kind} override for '${key}' was specified but '${key}' is not defined`, r.locOf('override'));
    }
  }
  for (const key of r.keys()) {
    if ((RULE_APPENDABLE.has(key) || RULE_REPLACEABLE.has(key)) && !ov.append.has(key) && !ov.replace.has(key)) {
      throw new ItemProblem(RulesIssueCode.OVERRIDE, `unexpected key '${key}': no corresponding entry under 'override'`, r.keyLoc(key));
    }
  }
  const prev = previousRule(into, name, r, 'overridden');
  // Read and check everything first so that a bad item changes nothing.
  const a = ov.append;
  const p = ov.replace;
  const condPiece = a.has('condition') || p.has('condition') ? conditionPiece(r) : undefined;
  const output = a.has('output') || p.has('output') ? outputPiece(r) : undefined;
  const desc = a.has('desc') || p.has('desc') ? r.str('desc', true) : undefined;
  const tags = a.has('tags') || p.has('tags') ? (readTags(r) ?? []) : undefined;
  let exceptions = prev.exceptions;
  if (a.has('exceptions')) exceptions = mergeExceptions(prev.exceptions, readExceptions(r, sink, label, true));
  if (p.has('exceptions')) {
    exceptions = readExceptions(r, sink, label, false);
    for (const ex of exceptions) validateException(ex);
  }
  const priority = p.has('priority') ? readPriority(r) : undefined;
  const enabled = p.has('enabled') ? r.bool('enabled') : undefined;
  const forMs = p.has('for') ? readDuration(r, 'for') : undefined;
  const throttle = p.has('throttle') ? readThrottle(r, sink, label, opts) : undefined;
  const warnEvttypes = p.has('warn_evttypes') ? r.bool('warn_evttypes') : undefined;
  const skipIfUnknownFilter = p.has('skip-if-unknown-filter') ? r.bool('skip-if-unknown-filter') : undefined;
  const capture = p.has('capture') ? r.bool('capture') : undefined;
  const captureDurationMs = p.has('capture_duration') ? readCaptureDuration(r) : undefined;

  if (condPiece) prev.cond = a.has('condition') ? { pieces: [...prev.cond.pieces, condPiece] } : { pieces: [condPiece] };
  if (output !== undefined) prev.output = a.has('output') ? { pieces: [...prev.output.pieces, output] } : { pieces: [output] };
  if (desc !== undefined) prev.desc = a.has('desc') ? `${prev.desc} ${desc}` : desc;
  if (tags) prev.tags = a.has('tags') ? unique([...prev.tags, ...tags]) : tags;
  prev.exceptions = exceptions;
  if (priority) prev.priority = priority;
  if (enabled !== undefined) prev.enabled = enabled;
  if (forMs !== undefined) prev.forMs = forMs;
  if (throttle) prev.throttle = throttle;
  if (warnEvttypes !== undefined) prev.warnEvttypes = warnEvttypes;
  if (skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = skipIfUnknownFilter;
  if (capture !== undefined) prev.capture = capture;
  if (captureDurationMs !== undefined) prev.captureDurationMs = captureDurationMs;
  into.seq++;
}

function outputPiece(r: MapReader): TextPiece {
  if (!r.has('output')) missing(r, 'output');
  const piece = r.piece('output');
  if (piece.text.trim() === '') throw new ItemProblem(RulesIssueCode.MISSING_KEY, "'output' is empty", r.locOf('output'));
  return piece;
}

/** Falco's capture_duration: milliseconds, a non-negative integer. */
function readCaptureDuration(r: MapReader): number {
  const text = r.str('capture_duration', true).trim();
  if (!/^\d+$/.test(text)) throw new ItemProblem(RulesIssueCode.BAD_VALUE, `'capture_duration' must be a whole number of milliseconds, got '${text}'`, r.locOf('capture_duration'));
  return Number(text);
}

function readPriority(r: MapReader): RuleDef['priority'] {
  const text = r.str('priority', true);
  const p = parsePriority(text);
  if (!p) {
    throw new ItemProblem(
      RulesIssueCode.BAD_PRIORITY,
      `invalid priority '${text}': expected one of emergency, alert, critical, error, warning, notice, informational (info), debug`,
      r.locOf('priority'),
    );
  }
  return p;
}

function readTags(r: MapReader): string[] | undefined {
  const t = r.strList('tags');
  return t ? unique(t.map((x) => x.value)) : undefined;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function readDuration(r: MapReader, key: string): number {
  const text = r.str(key, true);
  const d = parseDuration(text);
  if (typeof d === 'string') throw new ItemProblem(RulesIssueCode.BAD_DURATION, `'${key}': ${d}`, r.locOf(key));
  return d;
}

/** `throttle: 10m` or `throttle: {period: 10m, key: [fd.name, container.id]}` (key may be one string). */
function readThrottle(r: MapReader, sink: IssueSink, label: string, opts: ReadOptions): ThrottleDef {
  const n = r.node('throttle');
  const loc = r.locOf('throttle');
  const defaultKey = (): Located<string>[] => opts.defaultThrottleKey.map((value) => ({ value, loc }));
  if (isScalar(n)) return { periodMs: readDuration(r, 'throttle'), key: defaultKey() };
  const t = r.sub(n, "'throttle'", loc);
  for (const k of t.keys()) {
    if (k !== 'period' && k !== 'key') sink.warn(RulesIssueCode.UNKNOWN_KEY, `unknown key '${k}' in throttle (ignored)`, t.keyLoc(k), label);
  }
  if (!t.has('period')) throw new ItemProblem(RulesIssueCode.MISSING_KEY, "throttle needs a 'period'", loc);
  const periodMs = readDuration(t, 'period');
  if (!t.has('key')) return { periodMs, key: defaultKey() };
  const kn = t.node('key');
  if (isScalar(kn)) return { periodMs, key: [{ value: t.str('key', true).trim(), loc: t.locOf('key') }] };
  const keys = t.strList('key') ?? [];
  if (keys.length === 0) throw new ItemProblem(RulesIssueCode.BAD_VALUE, 'throttle key must name at least one field', t.locOf('key'));
  return { periodMs, key: keys.map((k) => ({ value: k.value.trim(), loc: k.loc })) };
}
