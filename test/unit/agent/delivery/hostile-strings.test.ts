import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { envelopeJson, parseEnvelopeJson } from '../../../../agent/delivery/formats/envelope-json.js';
import { scrub } from '../../../../agent/delivery/formats/scrub.js';
import { falcoAlertOf } from '../../../../agent/delivery/formats/falco-alert.js';
import { alertmanagerAlert } from '../../../../agent/delivery/sinks/alertmanager.js';
import { createFileSink } from '../../../../agent/delivery/sinks/file.js';
import { natsSubject } from '../../../../agent/delivery/sinks/nats.js';
import { syslogCefFrame } from '../../../../agent/delivery/sinks/syslog.js';
import { asCefExtension, parseCef, parseFrames, scrubbed } from './cef-parse.js';

/** Every value an attacker controls through a process name or command line. */
const HOSTILE = [
  'evil\nCEF:0|forged|x|1|2|3|10|src=6.6.6.6',
  'a|b\\|c=d\\=e\\\\',
  'line\r\n<13>1 2026-01-01T00:00:00Z forged vigil - - - injected',
  '"q" ]"] [x@1 a="b"]',
  '\x1b[31mred\x1b[0m\x07\x00nul',
  'lone \ud800 surrogate \udfff and \u2028 separator',
  ' msg=forged dvchost=forged',
  '\\',
];

function envelope(value: string, i: number): Envelope {
  return {
    node: `node|${value}`,
    bootId: 'boot',
    sequence: i + 1,
    eventId: `id-${i}`,
    timeNs: 1_767_225_600_123_456_789n,
    kind: 'alert',
    alert: {
      time: '2026-01-01T00:00:00.123456789Z',
      rule: `Rule ${value}`,
      priority: 'Critical',
      output: `00:00:00.123456789: Critical shell ${value} here`,
      output_fields: { 'proc.name': value, 'proc.cmdline': `sh -c ${value}`, 'k8s.ns.name': value, 'k8s.pod.name': value, 'proc.pid': 42 },
      hostname: `node ${value}`,
      source: 'syscall',
      tags: ['t'],
    },
  };
}

/** A CEF header turns a run of CR/LF into one space, then scrubs like the rest. */
const inHeader = (s: string) => scrubbed(s.replace(/[\r\n]+/g, ' '));

const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile strings cannot forge a field, record or line', () => {
  HOSTILE.forEach((value, i) => {
    const e = envelope(value, i);
    const label = JSON.stringify(value);

    it(`JSON (spool, file, NATS body): ${label}`, () => {
      const line = envelopeJson(e);
      expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line); // valid UTF-8: lone surrogates are escaped
      const back = parseEnvelopeJson(line);
      expect(back.alert?.output_fields['proc.cmdline']).toBe(`sh -c ${value}`);
      expect(back).toEqual(e);
    });

    it(`HTTP (Falco JSON): ${label}`, () => {
      const body = JSON.stringify(falcoAlertOf(e));
      const back = JSON.parse(body) as ReturnType<typeof falcoAlertOf>;
      expect(back.output_fields['proc.name']).toBe(value);
      expect(back.uuid).toBe(e.eventId);
      expect(back.output_fields['vigil.event_id']).toBe(e.eventId); // what survives Falcosidekick
    });

    it(`syslog RFC 5424 + CEF: ${label}`, () => {
      const frames = parseFrames(Buffer.concat([syslogCefFrame(e, { facility: 'local0' }, '1.0|x'), syslogCefFrame(e, { facility: 'local0' })]));
      expect(frames).toHaveLength(2);
      const f = frames[0]!;
      expect(f.pri).toBe(16 * 8 + 2);
      expect(f.header[1]).not.toMatch(/\s/);
      expect(f.sd).toEqual({ eventId: e.eventId, rule: scrubbed(`Rule ${value}`) });
      const cef = parseCef(f.msg);
      expect(cef.header).toEqual(['CEF:0', 'vigil', 'vigil', '1.0|x', inHeader(`Rule ${value}`), inHeader(`Rule ${value}`), '9']);
      expect(Object.keys(cef.ext).sort()).toEqual(['rt', 'dvchost', 'externalId', 'cat', 'msg', 'sproc', 'spid', 'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs4Label', 'cs4', 'cs6Label', 'cs6'].sort());
      expect(cef.ext.sproc).toBe(asCefExtension(value));
      expect(cef.ext.cs4).toBe(asCefExtension(`sh -c ${value}`));
      expect(cef.ext.externalId).toBe(e.eventId);
      expect(cef.ext.spid).toBe('42');
    });

    it(`Alertmanager v2: ${label}`, () => {
      const a = JSON.parse(JSON.stringify([alertmanagerAlert(e, 60_000, 0)])) as { labels: Record<string, string>; annotations: Record<string, string> }[];
      expect(a[0]!.labels).toEqual({ alertname: `Rule ${value}`, priority: 'Critical', namespace: value, pod: value, node: `node ${value}`, source: 'vigil' });
      expect(a[0]!.annotations.event_id).toBe(e.eventId);
    });

    it(`NATS subject: ${label}`, () => {
      const subject = natsSubject('vigil', e);
      expect(subject.split('.')).toHaveLength(3);
      expect(subject).toMatch(/^vigil\.[A-Za-z0-9_-]+\.critical$/);
    });
  });

  it('U+FFFD stands in for exactly the unsafe characters', () => {
    for (const v of HOSTILE) expect(scrub(v)).toBe(scrubbed(v));
    expect(scrub('a\nb\x1b\ud800c\u2028\ud83d\ude00')).toBe('a\ufffdb\ufffd\ufffdc\ufffd\ud83d\ude00');
  });

  it('JSON lines file: one line per envelope, each parsing back to its envelope', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = createFileSink({
      type: 'file',
      name: 'f',
      path,
      maxBytes: 1 << 20,
      maxFiles: 2,
      filter: { kinds: ['alert'], minPriority: 'Debug', rules: [], namespaces: [] },
      spoolMaxBytes: 1 << 20,
      maxBackoffMs: 1000,
      batchSize: 10,
    });
    const all = HOSTILE.map(envelope);
    await sink.send(all);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map(parseEnvelopeJson)).toEqual(all);
  });
});
