/**
 * Value kinds of the config schema: each turns a raw value (a flag or env
 * string, or whatever YAML produced) into a typed value or a message that
 * completes `key: <message>`.
 */

import { parseOutputs, type OutputIssue } from '../delivery/output-config.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type Kind =
  | { readonly type: 'string' }
  | { readonly type: 'path' }
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'addr' }
  | { readonly type: 'list' }
  | { readonly type: 'outputs' };

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  /** `issues`: problems inside a structured value, each at its own path below the key. */
  | { readonly ok: false; readonly message: string; readonly issues?: readonly OutputIssue[] };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** How a raw value is quoted in a message: strings as JSON, everything else as YAML would show it. */
export function show(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (raw === null || raw === undefined) return String(raw);
  if (Array.isArray(raw)) return `[${raw.map(show).join(', ')}]`;
  if (typeof raw === 'object') return 'an object';
  return String(raw);
}

export function parseValue(kind: Kind, raw: unknown): Parsed<unknown> {
  switch (kind.type) {
    case 'string':
    case 'path':
      return parseText(kind.type, raw);
    case 'int':
      return parseIntIn(kind.min, kind.max, raw);
    case 'enum':
      return typeof raw === 'string' && kind.values.includes(raw) ? ok(raw) : fail(`must be one of ${kind.values.join(', ')} (got ${show(raw)})`);
    case 'addr':
      return parseAddr(raw);
    case 'list':
      return parseList(raw);
    case 'outputs': {
      const r = parseOutputs(raw);
      return r.ok ? ok(r.value) : { ok: false, message: r.issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues: r.issues };
    }
  }
}

function parseText(type: 'string' | 'path', raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return fail(`must be a non-empty ${type === 'path' ? 'path' : 'string'} (got ${show(raw)})`);
  if (raw.includes('\0')) return fail(`must not contain NUL bytes (got ${show(raw)})`);
  return ok(raw);
}

function parseIntIn(min: number, max: number, raw: unknown): Parsed<number> {
  // Flags and env arrive as strings; YAML may give a number. Either way only plain decimal integers pass.
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text === 'string' && /^-?\d+$/.test(text.trim())) {
    const n = Number(text.trim());
    if (Number.isSafeInteger(n) && n >= min && n <= max) return ok(n);
  }
  return fail(`must be an integer between ${min} and ${max} (got ${show(raw)})`);
}

/** `HOST:PORT`, `:PORT` (all interfaces) or `[v6]:PORT`; port 0 asks the kernel for a free port. */
export function parseAddr(raw: unknown): Parsed<HostPort> {
  const bad = fail(`must be HOST:PORT with a port between 0 and 65535 (got ${show(raw)})`);
  if (typeof raw !== 'string') return bad;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(raw.trim());
  if (!m) return bad;
  const port = Number(m[3]);
  if (port > 65535) return bad;
  const host = m[1] ?? (m[2] || '0.0.0.0');
  return ok({ host, port });
}

export function formatAddr(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** A YAML list, repeated flags, or one string split on commas/colons (env). */
function parseList(raw: unknown): Parsed<readonly string[]> {
  const items =
    typeof raw === 'string'
      ? raw
          .split(/[,:]/)
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : raw;
  if (!Array.isArray(items) || items.length === 0) return fail(`must be a non-empty list of paths (got ${show(raw)})`);
  for (const item of items) {
    if (typeof item !== 'string' || item.trim() === '') return fail(`must be a non-empty list of paths (got ${show(raw)})`);
  }
  return ok(Object.freeze([...(items as string[])]));
}
