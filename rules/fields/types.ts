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
  /**
   * libsinsp's two-ended socket fields (fd.ip, fd.port, fd.net): `=`, `in`,
   * `<`... hold when either end matches, `!=` only when neither end equals
   * (sinsp_filter_check_fd::compare_ip/compare_port/compare_net).
   */
  readonly twoEnded?: boolean;
  /** Text for output: `%evt.time` prints a time of day, not nanoseconds. */
  readonly format?: (v: FieldValue) => string;
  /**
   * Computing the value costs more than reading a property (a join, a slice,
   * an array): the compiler computes it at most once per event for all rules.
   */
  readonly derived?: boolean;
  /** The value is the same for every event (evt.dir): comparisons on it are folded at compile time. */
  readonly constant?: boolean;
  /**
   * A cheaper test than computing the value, for `field = v` (negate false)
   * or `field != v` (negate true; false when the field is missing), e.g.
   * `container.id != host` without slicing the id.
   */
  readonly eqTest?: (v: string, negate: boolean) => (e: VigilEvent) => boolean;
  /**
   * A test for `field contains v` that does not build the value (a command
   * line is its parts joined by spaces), or undefined when v needs the value.
   */
  readonly containsTest?: (v: string) => ((e: VigilEvent) => boolean) | undefined;
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
