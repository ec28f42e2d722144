/**
 * One audit record's text, as the kernel sends it on netlink:
 *   audit(1700000000.123:4567): arch=c000003e syscall=42 success=no exit=-111 ... comm="curl" key="vigil"
 * Values are `"quoted"` (the kernel quotes only strings free of spaces,
 * quotes and control characters), unquoted hex for strings that are not,
 * `(null)`/`(none)`, or plain numbers. The kernel never puts a `"` inside a
 * quoted value, so a quoted value ends at the next quote. Hostile text
 * (a process name, a path) cannot forge a field: it arrives quoted or hex.
 */
export interface AuditRecord {
  readonly type: number;
  readonly timeMs: number;
  readonly serial: number;
  /** key → value as printed: quotes removed for quoted values (`quoted` lists those keys). */
  readonly fields: ReadonlyMap<string, string>;
  /** Keys whose value was quoted (text as is); any other string field may be hex. */
  readonly quoted: ReadonlySet<string>;
}

const HEADER = /^audit\((\d+)\.(\d+):(\d+)\):\s?/;

/** Bounds one record's work: the kernel caps a record at 8970 bytes (MAX_AUDIT_MESSAGE_LENGTH). */
const MAX_RECORD_CHARS = 16 * 1024;

export function parseRecord(type: number, text: string): AuditRecord | undefined {
  if (text.length > MAX_RECORD_CHARS) return undefined;
  const m = HEADER.exec(text);
  if (!m) return undefined;
  const fields = new Map<string, string>();
  const quoted = new Set<string>();
  let i = m[0].length;
  const n = text.length;
  while (i < n) {
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 0 || text.charCodeAt(i) === 10)) i++;
    if (i >= n) break;
    const eq = text.indexOf('=', i);
    const sp = text.indexOf(' ', i);
    // A bare word with no '=' (some records have them): skip it.
    if (eq < 0 || (sp >= 0 && sp < eq)) {
      i = sp < 0 ? n : sp + 1;
      continue;
    }
    const key = text.slice(i, eq);
    i = eq + 1;
    let value: string;
    if (text.charCodeAt(i) === 34) {
      const close = text.indexOf('"', i + 1);
      const end = close < 0 ? n : close;
      value = text.slice(i + 1, end);
      i = end + 1;
      quoted.add(key);
    } else {
      let end = text.indexOf(' ', i);
      if (end < 0) end = n;
      value = text.slice(i, end);
      // Records from the kernel may end with a NUL or a newline.
      while (value.length > 0 && (value.charCodeAt(value.length - 1) === 0 || value.charCodeAt(value.length - 1) === 10)) value = value.slice(0, -1);
      i = end;
    }
    // The first occurrence wins: SYSCALL records carry one of each; a later duplicate is ignored.
    if (!fields.has(key)) fields.set(key, value);
  }
  return { type, timeMs: Number(m[1]) * 1000 + Number(m[2]), serial: Number(m[3]), fields, quoted };
}
