import { severityOf } from '../priority.js';
import { scrub } from './scrub.js';

/** RFC 5424 facility numbers by name (the ones a SIEM deployment picks from). */
export const FACILITIES = {
  kern: 0,
  user: 1,
  daemon: 3,
  auth: 4,
  syslog: 5,
  authpriv: 10,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type Facility = keyof typeof FACILITIES;

/** Private enterprise number for the structured-data id: 32473 is IANA's "example" number (RFC 5612). */
const SD_ID = 'vigil@32473';

export interface SyslogMessage {
  readonly facility: Facility;
  readonly priority: string;
  /** RFC 3339 time. */
  readonly time: string;
  readonly hostname: string;
  readonly msgId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly msg: string;
}

/**
 * One RFC 5424 message, framed by octet counting (RFC 6587 §3.4.1):
 * `<len> <PRI>1 TIME HOST APP PROCID MSGID [SD] MSG`. Header fields are
 * PRINTUSASCII without spaces (anything else becomes `_`, an empty one `-`);
 * SD-PARAM values escape `"`, `\` and `]` (RFC 5424 §6.3.3) and carry no
 * unsafe character (scrub.ts). MSG is the caller's, already safe. The length
 * counts UTF-8 bytes, so a newline in MSG cannot start a forged message.
 */
export function syslogFrame(m: SyslogMessage): Buffer {
  const pri = FACILITIES[m.facility] * 8 + severityOf(m.priority);
  const sd = `[${SD_ID}${Object.entries(m.params)
    .map(([k, v]) => ` ${sdName(k)}="${sdValue(v)}"`)
    .join('')}]`;
  const line = `<${pri}>1 ${headerField(m.time, 128)} ${headerField(m.hostname, 255)} vigil ${process.pid} ${headerField(m.msgId, 32)} ${sd} ${m.msg}`;
  const body = Buffer.from(line, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

function headerField(s: string, max: number): string {
  const v = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return v === '' ? '-' : v;
}

/** SD-NAME: PRINTUSASCII except `=`, space, `]`, `"`; at most 32. */
function sdName(s: string): string {
  return s.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32) || '_';
}

function sdValue(s: string): string {
  return scrub(s).replace(/["\\\]]/g, (c) => `\\${c}`);
}
