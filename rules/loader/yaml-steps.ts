import { Composer, Lexer, Parser, type Document } from 'yaml';
import type { Steps } from '../slices.js';

const LEXEMES_PER_STEP = 512;

/**
 * parseAllDocuments(text, { schema: 'failsafe', prettyErrors: false }) taken
 * apart (yaml's own Lexer, Parser, Composer, as it does), yielding every few
 * hundred tokens: building the syntax tree of a large file is the longest
 * single piece of a reload.
 */
export function* parseYamlSteps(text: string): Steps<Document[]> {
  const parser = new Parser();
  const tokens = [];
  let n = 0;
  for (const lexeme of new Lexer().lex(text, false)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (++n % LEXEMES_PER_STEP === 0) yield;
  }
  for (const token of parser.end()) tokens.push(token);
  yield;
  return [...new Composer({ schema: 'failsafe', prettyErrors: false }).compose(tokens)];
}
