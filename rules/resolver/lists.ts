import type { Literal, Span } from '../ast.js';
import type { Collection, ListDef } from '../loader/model.js';
import { literalFromItem } from '../parser/item.js';

const NO_SPAN: Span = { start: 0, end: 0 };
// Falco's resolve_list delimiters; SPACE stands for a space inside a protected list name.
const DELIMS = ' \t\n\r(),=';
const SPACE = '\u001f';

/**
 * Expands list names the way Falco's rule_loader_compiler does:
 * - a list's own items (compile_list_infos): an item naming a list whose
 *   first definition comes before this list's latest definition or append is
 *   replaced by that list's items as written (one level); any other item,
 *   a later list's name included, stays a literal;
 * - a condition's items (resolve_list): every list, in order of first
 *   definition, replaces its name by its compiled items, so a name brought in
 *   by an earlier list is replaced again and one brought in by a later list
 *   is not.
 * Quoted items never name a list.
 */
export class ListExpander {
  private readonly compiled = new Map<string, { readonly values: readonly string[]; readonly refs: readonly string[] }>();
  private readonly used = new Set<string>();

  /** Lists whose names hold spaces (`test list`), which Falco substitutes as text before parsing. */
  private readonly spaced: readonly string[];

  /** `broken`: names of lists whose definition failed; a condition naming one depends on it (so the rule is dropped, not run with the name as a literal). */
  constructor(
    private readonly lists: Collection<ListDef>,
    private readonly broken: ReadonlySet<string> = new Set(),
  ) {
    this.spaced = [...lists.values()]
      .map((d) => d.name)
      .filter((n) => n.includes(' '))
      .sort((a, b) => b.length - a.length);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  private get(name: string): ListDef | undefined {
    return this.lists.get(name.includes(SPACE) ? name.replaceAll(SPACE, ' ') : name);
  }

  /**
   * A condition with every spaced list name, standing between delimiters as
   * Falco's resolve_list requires, made one bare word of the same length (so
   * offsets still point into the original text).
   */
  protect(text: string): string {
    for (const name of this.spaced) {
      let from = 0;
      for (let i = text.indexOf(name, from); i >= 0; i = text.indexOf(name, from)) {
        const end = i + name.length;
        if ((i === 0 || DELIMS.includes(text[i - 1]!)) && (end >= text.length || DELIMS.includes(text[end]!))) {
          text = text.slice(0, i) + name.replaceAll(' ', SPACE) + text.slice(end);
        }
        from = end;
      }
    }
    return text;
  }

  /** A list's items after compile_list_infos, as written (quotes included), and the lists it took items from. */
  private items(def: ListDef): { readonly values: readonly string[]; readonly refs: readonly string[] } {
    const memo = this.compiled.get(def.name);
    if (memo) return memo;
    const values: string[] = [];
    const refs: string[] = [];
    for (const it of def.items) {
      const ref = this.lists.get(it.value);
      if (ref && ref.index < def.visibility) {
        this.used.add(ref.name);
        refs.push(ref.name);
        values.push(...ref.items.map((x) => x.value));
      } else {
        values.push(it.value);
      }
    }
    const c = { values, refs };
    this.compiled.set(def.name, c);
    return c;
  }

  /** Expands the list names among the items of a condition's list; `uses` collects `list:NAME` of every list involved. */
  expandItems(items: readonly Literal[], uses?: Set<string>): Literal[] {
    if (uses && this.broken.size > 0) for (const it of items) if (!it.quoted && this.broken.has(it.value)) uses.add(`list:${it.value}`);
    let cur: Literal[] = [...items];
    let after = -1;
    for (;;) {
      let next: ListDef | undefined;
      for (const it of cur) {
        if (it.quoted) continue;
        const def = this.get(it.value);
        if (def && def.index > after && (!next || def.index < next.index)) next = def;
      }
      if (!next) return cur;
      const def = next;
      this.used.add(def.name);
      const sub = this.items(def);
      if (uses) for (const n of [def.name, ...sub.refs]) uses.add(`list:${n}`);
      cur = cur.flatMap((it) => (!it.quoted && this.get(it.value) === def ? sub.values.map((x) => literalFromItem(x, it.span.end > 0 ? it.span : NO_SPAN)) : [it]));
      after = def.index;
    }
  }

  /** Number of literals an inline list expands to (for the size guard). */
  expandedCount(items: readonly Literal[]): number {
    return this.expandItems(items).length;
  }

  /** Compiles every list once (Falco compiles unused lists too), so their references count as uses. */
  checkAll(): void {
    for (const def of this.lists.values()) this.items(def);
  }

  /** Lists no condition and no other list referred to (Falco's LOAD_UNUSED_LIST). */
  unused(): ListDef[] {
    return [...this.lists.values()].filter((d) => !this.used.has(d.name));
  }
}
