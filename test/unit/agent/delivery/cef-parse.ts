/**
 * A strict reader of what vigil writes: CEF records and RFC 5424 frames,
 * written from the specs (not from vigil's writer), so tests can check that
 * a hostile value comes back whole in its own field and forges nothing.
 */

export interface CefRecord {
  readonly header: string[];
  readonly ext: Record<string, string>;
}

/** Splits on unescaped `|` (7 header fields), then reads `key=value` pairs; throws on anything malformed. */
export function parseCef(text: string): CefRecord {
  if (/[\r\n]/.test(text)) throw new Error('a CEF record holds no raw newline');
  const header: string[] = [];
  let i = 0;
  let cur = '';
  while (header.length < 7) {
    if (i >= text.length) throw new Error(`CEF header ended after ${header.length} fields`);
    const c = text[i++]!;
    if (c === '\\') {
      const n = text[i++];
      if (n !== '\\' && n !== '|') throw new Error(`bad header escape \\${n}`);
      cur += n;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  const ext: Record<string, string> = {};
  const rest = text.slice(i);
  // Keys start at the beginning or after a space, and end at an unescaped `=`.
  const keyAt = /(?:^| )([A-Za-z0-9_]+)=/g;
  const starts: { key: string; from: number; valueFrom: number }[] = [];
  for (let m = keyAt.exec(rest); m; m = keyAt.exec(rest)) {
    // An `=` preceded by an odd number of backslashes is escaped, so not a key.
    let bs = 0;
    for (let k = m.index + m[0].length - 2; k >= 0 && rest[k] === '\\'; k--) bs++;
    if (bs % 2 === 1) continue;
    if (m.index > 0 && isEscaped(rest, m.index)) continue;
    starts.push({ key: m[1]!, from: m.index, valueFrom: m.index + m[0].length });
  }
  starts.forEach((s, k) => {
    const raw = rest.slice(s.valueFrom, k + 1 < starts.length ? starts[k + 1]!.from : rest.length);
    if (s.key in ext) throw new Error(`extension key ${s.key} appears twice`);
    ext[s.key] = unescapeExt(raw);
  });
  return { header, ext };
}

function isEscaped(s: string, at: number): boolean {
  let bs = 0;
  for (let k = at - 1; k >= 0 && s[k] === '\\'; k--) bs++;
  return bs % 2 === 1;
}

function unescapeExt(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    if (c === '\\' || c === '=') return c;
    throw new Error(`bad extension escape \\${c}`);
  });
}

export interface SyslogParsed {
  readonly pri: number;
  readonly header: string[];
  readonly sd: Record<string, string>;
  readonly msg: string;
}

/** Reads octet-counted RFC 5424 frames off a byte stream; throws on a malformed one. */
export function parseFrames(buf: Buffer): SyslogParsed[] {
  const out: SyslogParsed[] = [];
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    const len = Number(buf.subarray(off, sp).toString('ascii'));
    if (!Number.isSafeInteger(len) || len <= 0) throw new Error(`bad octet count at ${off}`);
    out.push(parse5424(buf.subarray(sp + 1, sp + 1 + len).toString('utf8')));
    off = sp + 1 + len;
  }
  return out;
}

export function parse5424(line: string): SyslogParsed {
  const m = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!m) throw new Error(`not RFC 5424: ${line.slice(0, 80)}`);
  let i = m[0].length;
  if (line[i] !== '[') throw new Error('expected structured data');
  const sd: Record<string, string> = {};
  const idEnd = line.indexOf(' ', i);
  i = idEnd;
  for (;;) {
    if (line[i] === ']') break;
    const pm = /^ ([^= \]"]+)="/.exec(line.slice(i));
    if (!pm) throw new Error(`bad SD-PARAM at ${line.slice(i, i + 30)}`);
    i += pm[0].length;
    let v = '';
    for (;;) {
      const c = line[i++];
      if (c === undefined) throw new Error('unterminated SD value');
      if (c === '\\' && ['"', '\\', ']'].includes(line[i]!)) v += line[i++];
      else if (c === '"') break;
      else if (c === ']') throw new Error('raw ] inside an SD value');
      else v += c;
    }
    sd[pm[1]!] = v;
  }
  if (line[i + 1] !== ' ') throw new Error('expected a space before MSG');
  return { pri: Number(m[1]), header: m.slice(2, 7), sd, msg: line.slice(i + 2) };
}

/**
 * What vigil's text formats make of a value, written from the docs: every
 * C0/C1 control, DEL, U+2028/9 and lone surrogate is U+FFFD, except CR/LF,
 * which a CEF extension writes as escapes (and so reads back as CR/LF).
 */
export function asCefExtension(s: string): string {
  return scrubbed(s.replace(/\r/g, '\ue000').replace(/\n/g, '\ue001'))
    .replace(/\ue000/g, '\r')
    .replace(/\ue001/g, '\n');
}

export function scrubbed(s: string): string {
  return [...s].map((c) => (/^[\x00-\x1f\x7f-\x9f\u2028\u2029]$/.test(c) || /^[\ud800-\udfff]$/.test(c) ? '\ufffd' : c)).join('');
}
