/**
 * Escaping for text a human reads on a terminal (pretty alerts, `vigil
 * tail`, plain logs). Process names and arguments are attacker-chosen: ESC,
 * BEL, VT, BS or a C1 CSI (U+009B) in them could draw a fake alert line on
 * the operator's terminal, hide a real one or reset the terminal; a bidi
 * override or isolate could show text in another order than it runs. Every
 * C0 control, DEL, C1 control, the Unicode line/paragraph separators and the
 * bidi controls become visible escapes (`\x1b`, `\x7f`, `\u009b`,
 * `\u202e`), and a backslash is doubled so an escape cannot be forged.
 * Newline and CR become `\n`, `\r`: one alert stays one line.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON stays exact (a parser reads back the very same string), but DEL, C1
 * and U+2028/2029, which JSON.stringify leaves raw, are written as \uXXXX so
 * `cat` of a JSON alert cannot drive a terminal either.
 */
const JSON_RAW = /[\x7f-\x9f\u2028\u2029]/g;

export function jsonSafe(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
