import type { VigilEvent } from '../event.js';

/** Drives which operators a field accepts and how literals are parsed. */
export type FieldType = 'string' | 'number' | 'bool' | 'ipaddr' | 'ipnet' | 'list';

export type FieldValue = string | number | boolean | readonly (string | number)[];

/** Reads one field from an event; undefined when the event does not carry it. */
export type Getter = (e: VigilEvent) => FieldValue | undefined;

export interface BoundField {
  readonly get: Getter;
  readonly type: FieldType;
  /**
   * True when `get` returns an array of candidate values and a comparison
   * holds if it holds for any of them (proc.aname without index, fd.net).
   */
  readonly any: boolean;
  /** Text for output: `%evt.time` prints a time of day, not nanoseconds. */
  readonly format?: (v: FieldValue) => string;
}

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly desc: string;
  /** Whether `name[arg]` is accepted, required or refused. */
  readonly arg: 'none' | 'required' | 'optional';
  /** Shown by `vigil rules fields`: vigil's own, not Falco's. */
  readonly vigil?: boolean;
  /** Returns the bound getter, or an error message for a bad argument. */
  bind(arg: string | undefined): BoundField | string;
}
