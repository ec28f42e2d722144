/**
 * Character-level helpers shared by the condition parser, the list-item
 * reader and the printer. They follow libsinsp's filter grammar so that a
 * Falco condition means the same thing here.
 */

/** Blanks between tokens (libsinsp accepts \b too). */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 8 || c === 12;
}

export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[a-zA-Z0-9_]`: the tail of identifiers and field-name segments. */
export function isIdentTail(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 95;
}

/** A bare string value stops at blanks, parentheses, quotes, `=` and `,`. */
export function isBareChar(c: number): boolean {
  return !(isBlank(c) || c === 40 || c === 41 || c === 34 || c === 39 || c === 61 || c === 44 || Number.isNaN(c));
}

/** A bare field argument (`proc.aname[2]`) stops at blanks, brackets and quotes. */
export function isFieldArgBareChar(c: number): boolean {
  return !(isBlank(c) || c === 91 || c === 93 || c === 34 || c === 39 || Number.isNaN(c));
}

/** Length of an identifier `[a-zA-Z][a-zA-Z0-9_]*` at `pos`, 0 if none. */
export function identifierLength(s: string, pos: number): number {
  if (!isAlpha(s.charCodeAt(pos))) return 0;
  let i = pos + 1;
  while (i < s.length && isIdentTail(s.charCodeAt(i))) i++;
  return i - pos;
}

/**
 * Length of a field name at `pos`: identifier segments joined by dots, at
 * least one dot (`evt.type`, `k8s.pod.label`). 0 if the text there is not a
 * field name (a plain identifier is a macro reference, not a field).
 */
export function fieldNameLength(s: string, pos: number): number {
  let i = pos + identifierLength(s, pos);
  if (i === pos) return 0;
  let segments = 1;
  while (s.charCodeAt(i) === 46 /* . */) {
    const n = identifierLength(s, i + 1);
    if (n === 0) break;
    i += 1 + n;
    segments++;
  }
  return segments >= 2 ? i - pos : 0;
}

/** Length of a number (`-5`, `1.5e+3`, `0x1F`) at `pos`, 0 if none. */
export function numberLength(s: string, pos: number): number {
  if (s.charCodeAt(pos) === 48 && (s[pos + 1] === 'x' || s[pos + 1] === 'X')) {
    let i = pos + 2;
    while (i < s.length && (isAlpha(s.charCodeAt(i)) || isDigit(s.charCodeAt(i)))) i++;
    if (i > pos + 2) return i - pos;
  }
  let i = pos;
  if (s[i] === '+' || s[i] === '-') i++;
  const digitsStart = i;
  while (isDigit(s.charCodeAt(i))) i++;
  if (i === digitsStart) return 0;
  if (s[i] === '.') {
    i++;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  if ((s[i] === 'e' || s[i] === 'E') && (s[i + 1] === '+' || s[i + 1] === '-') && isDigit(s.charCodeAt(i + 2))) {
    i += 2;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  return i - pos;
}

export type QuotedResult = { readonly ok: true; readonly value: string; readonly end: number } | { readonly ok: false; readonly message: string; readonly offset: number };

/**
 * Reads a '..' or ".." string starting at `pos` (which holds the quote).
 * Escapes as libsinsp: \b \f \n \r \t \\ \/ and the string's own quote;
 * `\ ` is tolerated (some published rules carry it) and kept as a backslash.
 */
export function readQuoted(s: string, pos: number): QuotedResult {
  const quote = s[pos];
  let out = '';
  let i = pos + 1;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === quote) return { ok: true, value: out, end: i + 1 };
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const next = s[i + 1];
    switch (next) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case ' ':
        out += '\\ ';
        break;
      case '"':
      case "'":
        if (next !== quote) {
          return { ok: false, message: `invalid \\${next} escape in a ${quote}-quoted string`, offset: i };
        }
        out += next;
        break;
      case undefined:
        return { ok: false, message: 'unterminated quoted string', offset: pos };
      default:
        return { ok: false, message: `unsupported escape sequence \\${next}`, offset: i };
    }
    i += 2;
  }
  return { ok: false, message: 'unterminated quoted string', offset: pos };
}

/** Quotes a value so that readQuoted() gives it back. */
export function quote(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        out += ch;
    }
  }
  return `${out}"`;
}

/** True when `value` can be written bare and reads back as the same bare string. */
export function isBareSafe(value: string): boolean {
  return allChars(value, isBareChar);
}

/** True when a field argument can be printed bare and scans back unchanged. */
export function isFieldArgBareSafe(value: string): boolean {
  return allChars(value, isFieldArgBareChar);
}

function allChars(value: string, ok: (c: number) => boolean): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!ok(value.charCodeAt(i))) return false;
  return true;
}
