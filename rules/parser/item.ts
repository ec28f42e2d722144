import type { Literal, Span } from '../ast.js';
import { readQuoted } from './scanner.js';

/**
 * Turns a list item or exception value, as written in YAML, into a literal.
 * Falco pastes these into the condition text, so an item that is itself a
 * quoted condition string (`'"sh -c uname -p"'`) is a quoted literal with
 * its escapes applied; anything else is taken verbatim as a bare value.
 */
export function literalFromItem(text: string, span: Span = { start: 0, end: 0 }): Literal {
  const c = text[0];
  if ((c === '"' || c === "'") && text.length >= 2) {
    const q = readQuoted(text, 0);
    if (q.ok && q.end === text.length) return { kind: 'literal', value: q.value, quoted: true, span };
  }
  return { kind: 'literal', value: text, quoted: false, span };
}
