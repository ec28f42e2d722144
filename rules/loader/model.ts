import type { Location, Priority } from '../types.js';
import type { PieceText } from './source.js';

/**
 * What the reader collects from the files, before resolution: the state
 * Falco's rule_loader::collector keeps (definitions merged by name, later
 * definitions replacing earlier ones, appends and overrides applied).
 */

export interface Located<T> {
  readonly value: T;
  readonly loc: Location;
}

/**
 * Falco's collector numbers every define/append/replace in load order: `index`
 * is the first definition's number, `visibility` the latest update's. A list
 * item or macro reference sees only items whose index is below its visibility
 * (a list naming a later list keeps the name as a literal; a macro using a
 * later macro is undefined).
 */
export interface Ordered {
  index: number;
  visibility: number;
}

export interface ListDef extends Ordered {
  readonly name: string;
  items: Located<string>[];
  loc: Location;
}

export interface MacroDef extends Ordered {
  readonly name: string;
  cond: PieceText;
  loc: Location;
}

/** An exception value: a scalar, or a list of values (an inline list or a per-field tuple). */
export type ExValue = { readonly kind: 'scalar'; readonly text: string; readonly loc: Location } | { readonly kind: 'list'; readonly items: readonly ExValue[]; readonly loc: Location };

export interface ExceptionDef {
  readonly name: string;
  readonly loc: Location;
  /** A single field name (`fields: proc.name`) or a tuple of fields. */
  fields?: { readonly list: boolean; readonly items: readonly Located<string>[]; readonly loc: Location };
  comps?: { readonly list: boolean; readonly items: readonly Located<string>[]; readonly loc: Location };
  values: ExValue[];
}

export interface ThrottleDef {
  readonly periodMs: number;
  readonly key: readonly Located<string>[];
}

export interface RuleDef {
  readonly name: string;
  desc: string;
  cond: PieceText;
  output: PieceText;
  priority: Priority;
  tags: string[];
  enabled: boolean;
  source: string;
  exceptions: ExceptionDef[];
  forMs?: number;
  throttle?: ThrottleDef;
  /** Falco: capture a trace file when the rule fires; accepted and recorded, vigil takes no captures. */
  capture?: boolean;
  captureDurationMs?: number;
  /** Falco's warn_evttypes (default true): warn when the condition has no evt.type restriction. */
  warnEvttypes: boolean;
  /** Falco's skip-if-unknown-filter: an unknown field skips the rule with a warning instead of an error. */
  skipIfUnknownFilter: boolean;
  loc: Location;
}

export interface PluginRequirement {
  readonly name: string;
  readonly version: string;
  readonly alternatives: readonly { readonly name: string; readonly version: string }[];
  readonly loc: Location;
}

/** Insertion-ordered by first definition, like Falco's indexed_vector. */
export class Collection<T extends { readonly name: string }> {
  private readonly byName = new Map<string, T>();

  get(name: string): T | undefined {
    return this.byName.get(name);
  }

  /** Defines or redefines; a redefinition keeps the original position. */
  define(def: T): void {
    this.byName.set(name(def), def);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  values(): IterableIterator<T> {
    return this.byName.values();
  }

  get size(): number {
    return this.byName.size;
  }
}

function name<T extends { readonly name: string }>(d: T): string {
  return d.name;
}

export interface Collected {
  readonly lists: Collection<ListDef>;
  readonly macros: Collection<MacroDef>;
  readonly rules: Collection<RuleDef>;
  readonly plugins: PluginRequirement[];
  /** Highest required_engine_version seen, as x.y.z. */
  requiredEngineVersion?: string;
  /** Falco's m_cur_index: the number of the next define/append/replace. */
  seq: number;
  /**
   * Items (`list:NAME`, `macro:NAME`, `rule:NAME`) an item failed to define,
   * append to or override, with where: what depends on them is dropped, so a
   * broken tuning item never leaves its rule running untuned.
   */
  readonly broken: Map<string, Location>;
}

export function emptyCollected(): Collected {
  return { lists: new Collection(), macros: new Collection(), rules: new Collection(), plugins: [], seq: 0, broken: new Map() };
}
