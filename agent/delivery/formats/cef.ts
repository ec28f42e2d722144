import type { Alert } from '../../../rules/alert.js';
import { outputText } from '../../outputs/alert.js';
import { severityOf } from '../priority.js';
import { scrub } from './scrub.js';

/**
 * ArcSight CEF (Common Event Format, rev. 25): `CEF:0|Vendor|Product|
 * Version|SignatureID|Name|Severity|Extension`. The header escapes `\` and
 * `|`; the extension escapes `\` and `=` and writes CR/LF as `\r`/`\n`, as
 * the spec says; every other unsafe character becomes U+FFFD (scrub.ts).
 */
export function cefHeaderEscape(s: string): string {
  return scrub(s.replace(/[\r\n]+/g, ' ')).replace(/[\\|]/g, (c) => `\\${c}`);
}

export function cefExtensionEscape(s: string): string {
  return scrub(s.replace(/[\\=\r\n]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\${c}`)));
}

/** Falco's priorities on CEF's 0-10 scale (10 most severe). */
const CEF_SEVERITY = [10, 10, 9, 8, 6, 4, 3, 1];

/** Extension keys from output fields (CEF dictionary names where one fits, custom strings otherwise). */
const FIELD_KEYS: readonly (readonly [string, string, string?])[] = [
  ['proc.name', 'sproc'],
  ['proc.pid', 'spid'],
  ['user.name', 'suser'],
  ['fd.sip', 'src'],
  ['fd.sport', 'spt'],
  ['fd.rip', 'dst'],
  ['fd.rport', 'dpt'],
  ['k8s.ns.name', 'cs1', 'namespace'],
  ['k8s.pod.name', 'cs2', 'pod'],
  ['k8s.container.name', 'cs3', 'container'],
  ['proc.cmdline', 'cs4', 'cmdline'],
  ['container.id', 'cs5', 'containerId'],
];

/** One alert as a CEF record; `version` is vigil's. */
export function alertToCef(a: Alert, eventId: string, version: string): string {
  const sev = CEF_SEVERITY[severityOf(a.priority)] ?? 1;
  const header = ['CEF:0', 'vigil', 'vigil', version, a.rule, a.rule, String(sev)].map((h, i) => (i === 0 ? h : cefHeaderEscape(h))).join('|');
  const ext: string[] = [];
  const put = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') ext.push(`${k}=${cefExtensionEscape(String(v))}`);
  };
  const ms = Date.parse(a.time);
  put('rt', Number.isFinite(ms) ? ms : undefined);
  put('dvchost', a.hostname);
  put('externalId', eventId);
  put('cat', a.priority);
  put('msg', outputText(a));
  for (const [field, key, label] of FIELD_KEYS) {
    const v = a.output_fields[field];
    if (v === undefined || v === null) continue;
    if (label) put(`${key}Label`, label);
    put(key, v);
  }
  put('cs6Label', 'tags');
  put('cs6', a.tags.join(','));
  return `${header}|${ext.join(' ')}`;
}
