import type { Literal, Span } from '../ast.js';
import { RulesIssueCode } from '../errors.js';
import type { IssueSink } from '../loader/issues.js';
import { DEFAULT_RULE_INPUT_LIMITS } from '../loader/limits.js';
import { itemLabel } from '../loader/issues.js';
import type { Collection, ListDef } from '../loader/model.js';
import { literalFromItem } from '../parser/item.js';

const NO_SPAN: Span = { start: 0, end: 0 };

/**
 * Expands list names to their items. A bare (unquoted) item that names a
 * list is replaced by that list's items, recursively; quoted items never
 * expand, as in Falco where list names are only substituted when they stand
 * alone between delimiters. Loops are reported once and cut (the looping
 * name is kept as a literal).
 */
export class ListExpander {
  private readonly done = new Map<string, readonly Literal[]>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly lists: Collection<ListDef>,
    private readonly sink: IssueSink,
  ) {}

  has(name: string): boolean {
    return this.lists.has(name);
  }

  /** The fully expanded items of a defined list. */
  items(name: string): readonly Literal[] {
    const memo = this.done.get(name);
    if (memo) return memo;
    const def = this.lists.get(name);
    if (!def) return [];
    this.visiting.add(name);
    const out: Literal[] = [];
    for (const it of def.items) {
      const lit = literalFromItem(it.value, NO_SPAN);
      if (!lit.quoted && this.lists.has(lit.value)) {
        if (this.visiting.has(lit.value)) {
          this.sink.error(RulesIssueCode.LIST_CYCLE, `list '${name}' includes list '${lit.value}', which includes it back (cycle)`, it.loc, itemLabel('list', name));
          out.push(lit);
          continue;
        }
        for (const x of this.items(lit.value)) out.push(x);
      } else {
        out.push(lit);
      }
      if (out.length > DEFAULT_RULE_INPUT_LIMITS.maxListExpansion) {
        // Lists of lists grow geometrically; stop before memory does.
        this.sink.error(RulesIssueCode.TOO_LARGE, `list '${name}' expands to over ${DEFAULT_RULE_INPUT_LIMITS.maxListExpansion} items`, it.loc, itemLabel('list', name));
        out.length = DEFAULT_RULE_INPUT_LIMITS.maxListExpansion;
        break;
      }
    }
    this.visiting.delete(name);
    this.done.set(name, out);
    return out;
  }

  /** Expands the list names among the items of an inline list. */
  expandItems(items: readonly Literal[]): Literal[] {
    const out: Literal[] = [];
    for (const it of items) {
      if (!it.quoted && this.lists.has(it.value)) out.push(...this.items(it.value));
      else out.push(it);
    }
    return out;
  }

  /** Number of literals an inline list expands to (for the size guard). */
  expandedCount(items: readonly Literal[]): number {
    let n = 0;
    for (const it of items) n += !it.quoted && this.lists.has(it.value) ? this.items(it.value).length : 1;
    return n;
  }

  /** Resolves every list once, so that loops are reported even in unused lists. */
  checkAll(): void {
    for (const def of this.lists.values()) this.items(def.name);
  }
}
