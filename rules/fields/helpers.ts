import type { VigilEvent } from '../event.js';
import type { BoundField, FieldDef, FieldType, FieldValue, Getter } from './types.js';

/** A field that takes no argument. */
export function plain(
  name: string,
  type: FieldType,
  desc: string,
  get: Getter,
  extra?: {
    vigil?: boolean;
    any?: boolean;
    twoEnded?: boolean;
    format?: (v: FieldValue) => string;
    derived?: boolean;
    constant?: boolean;
    eqTest?: (v: string, negate: boolean) => (e: VigilEvent) => boolean;
    containsTest?: (v: string) => ((e: VigilEvent) => boolean) | undefined;
  },
): FieldDef {
  const bound: BoundField = {
    get,
    type,
    any: extra?.any ?? false,
    ...(extra?.twoEnded ? { twoEnded: true } : {}),
    ...(extra?.format ? { format: extra.format } : {}),
    ...(extra?.derived ? { derived: true } : {}),
    ...(extra?.constant ? { constant: true } : {}),
    ...(extra?.eqTest ? { eqTest: extra.eqTest } : {}),
    ...(extra?.containsTest ? { containsTest: extra.containsTest } : {}),
  };
  return {
    name,
    type,
    desc,
    arg: 'none',
    ...(extra?.vigil ? { vigil: true } : {}),
    bind: (arg) => (arg === undefined ? bound : `field ${name} takes no argument`),
  };
}

/** A field indexed by a key (label name, metric name); `usage` shows the forms of the argument in the error for a missing one. */
export function keyed(name: string, type: FieldType, desc: string, make: (key: string) => Getter, vigil?: boolean, usage = `${name}[NAME]`): FieldDef {
  return {
    name,
    type,
    desc,
    arg: 'required',
    ...(vigil ? { vigil: true } : {}),
    bind: (arg) => (arg === undefined || arg === '' ? `field ${name} needs an argument: ${usage}` : { get: make(arg), type, any: false }),
  };
}

/**
 * `name args...` (or just the args) contains v, without joining them: a v
 * with no space cannot span the space between two parts, so it is inside
 * one of them. Undefined (the caller builds the string) when v has a space.
 */
export function cmdlineContains(
  v: string,
  withName: boolean,
  of: (e: VigilEvent) => { readonly name: string; readonly args?: readonly string[] } | undefined,
): ((e: VigilEvent) => boolean) | undefined {
  if (v.includes(' ')) return undefined;
  return (e) => {
    const p = of(e);
    if (p === undefined) return false;
    if (withName && p.name.includes(v)) return true;
    const a = p.args;
    if (a === undefined || a.length === 0) return !withName && v === '';
    for (let i = 0; i < a.length; i++) if (a[i]!.includes(v)) return true;
    return false;
  };
}

export function joinArgs(args: readonly string[] | undefined): string {
  return args === undefined || args.length === 0 ? '' : args.join(' ');
}

/** Falco's cmdline: name, then the args, space separated. */
export function cmdline(name: string, args: readonly string[] | undefined): string {
  return args === undefined || args.length === 0 ? name : `${name} ${args.join(' ')}`;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Falco's %evt.time: time of day (UTC) with nanoseconds, from ms since the epoch. */
export function timeOfDay(timeMs: number): string {
  const ms = Math.floor(timeMs);
  const d = new Date(ms);
  const ns = (ms % 1000) * 1e6 + Math.round((timeMs - ms) * 1e6);
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(Math.min(ns, 999_999_999), 9)}`;
}

/** RFC3339 with nanoseconds, as Falco's JSON `time`. */
export function rfc3339Nano(timeMs: number): string {
  const ms = Math.floor(timeMs);
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const ns = (ms % 1000) * 1e6 + Math.round((timeMs - ms) * 1e6);
  return `${iso.slice(0, 19)}.${pad(Math.min(ns, 999_999_999), 9)}Z`;
}
