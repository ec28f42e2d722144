/**
 * Characters no text format here may carry raw: C0 and C1 controls (a NUL
 * cuts C parsers short, an ESC reaches an analyst's terminal, CR/LF end a
 * record), DEL, the Unicode line and paragraph separators (Python's
 * splitlines breaks on them), and lone surrogates (bytes that were not
 * UTF-8). Each becomes U+FFFD, so what remains is valid, single-line UTF-8.
 * Formats that can escape CR/LF do so before calling this.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function scrub(s: string): string {
  return s.replace(UNSAFE, '\ufffd');
}
