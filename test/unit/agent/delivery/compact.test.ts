import { describe, expect, it } from 'vitest';
import { compactEncoder, fullEncoder } from '../../../../agent/delivery/compact.js';
import { createCompactReader, CompactStreamError } from '../../../../agent/delivery/compact-render.js';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { createHub, type Hub } from '../../../../agent/delivery/hub.js';
import { decodeBatch, type WireEnvelope } from '../../../../agent/delivery/wire.js';
import { realAlerts } from '../../../../bench/delivery/alerts.js';
import { compileOutput } from '../../../../rules/compiler/output.js';
import { testDeps } from '../../../helpers/deps.js';

const HOSTILE = 'evil\n\r\x1b[31m|=\\"\'\u202e\u2028\u{1F600}é\x00%proc.name<NA>';
/** The same in an output format, without the `%` that would make it a field reference. */
const HOSTILE_TEXT = HOSTILE.replace('%', '');

function hubWithSink(): { hub: Hub; envs: Envelope[] } {
  const hub = createHub(testDeps(), { node: 'node-1', ringSize: 10 });
  const envs: Envelope[] = [];
  hub.addSink({ deliver: (e) => envs.push(e) });
  return { hub, envs };
}

/** Both encodings of the same envelopes, decoded as a client would, in batches of `batch`. */
function bothWays(envs: readonly Envelope[], batch = 256): { full: WireEnvelope[]; compactRaw: WireEnvelope[]; compactRead: WireEnvelope[]; fullBytes: number; compactBytes: number } {
  const full: WireEnvelope[] = [];
  const compactRaw: WireEnvelope[] = [];
  const fullEnc = fullEncoder();
  const compactEnc = compactEncoder();
  let fullBytes = 0;
  let compactBytes = 0;
  for (let i = 0; i < envs.length; i += batch) {
    const b = fullEnc(envs.slice(i, i + batch));
    const c = compactEnc(envs.slice(i, i + batch));
    fullBytes += b.length;
    compactBytes += c.length;
    full.push(...decodeBatch(b));
    compactRaw.push(...decodeBatch(c));
  }
  const reader = createCompactReader();
  const compactRead = compactRaw.map((e) => reader.read(e)).filter((e) => e !== undefined);
  return { full, compactRaw, compactRead, fullBytes, compactBytes };
}

describe('COMPACT alert encoding', () => {
  it('rebuilds every alert of the benchmark set exactly (output text included), from a fraction of the bytes', () => {
    const { hub, envs } = hubWithSink();
    for (const a of realAlerts(2_000)) hub.publishAlert(a.alert, a.event, a.layout);
    const { full, compactRaw, compactRead, fullBytes, compactBytes } = bothWays(envs);
    expect(compactRead).toEqual(full);
    expect(full.length).toBe(envs.length);
    // The agent rendered each output itself and found it equal: no alert carries its text.
    const alerts = compactRaw.filter((e) => e.payload === 'compactAlert');
    expect(alerts.length).toBe(envs.length);
    expect(alerts.filter((e) => (e.compactAlert as { output?: string }).output !== undefined)).toEqual([]);
    // Node and boot id once, schemas once per stream.
    expect(compactRaw.filter((e) => e.node !== undefined).length).toBe(1);
    const schemas = compactRaw.filter((e) => e.payload === 'alertSchema');
    expect(new Set(schemas.map((s) => (s.alertSchema as { id: number }).id)).size).toBe(schemas.length);
    expect(compactBytes).toBeLessThan(fullBytes / 2);
  });

  it('rebuilds hostile strings, every value type, text that does not follow the format, and events and loss notices', () => {
    const { hub, envs } = hubWithSink();
    const layout = compileOutput(`${HOSTILE_TEXT} %proc.name x=%proc.cmdline %proc.name`).layout;
    const fields = { 'proc.name': HOSTILE, 'proc.cmdline': `${HOSTILE} -e`, big: 2 ** 53 - 1, neg: -7, frac: -0.5, huge: 1e300, t: true, f: false, n: null, [HOSTILE]: '' };
    const time = '2026-01-01T00:00:00.000000001Z';
    const rendered = `00:00:00.000000001: Critical ${HOSTILE_TEXT} ${HOSTILE} x=${HOSTILE} -e ${HOSTILE}`;
    const alert = { time, rule: HOSTILE, priority: 'Critical', output: rendered, output_fields: fields, hostname: HOSTILE, source: 'syscall', tags: [HOSTILE, ''] };
    hub.publishAlert(alert, undefined, layout);
    // Same schema, text the format does not give (an empty array prints <NA> but is '' in JSON): the text travels.
    hub.publishAlert({ ...alert, output: `${rendered}!` }, undefined, layout);
    // Same rule, a time that is not the event time's RFC 3339 form.
    hub.publishAlert({ ...alert, time: '2026-01-01T00:00:00.5Z', output: rendered }, undefined, layout);
    // No layout (the engine did not hand one over), one field fewer: a second schema.
    const { n: _n, ...fewer } = fields;
    hub.publishAlert({ ...alert, output_fields: fewer });
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1_700_000_000_123, proc: { pid: 7, name: HOSTILE, args: [HOSTILE] } });
    hub.publishLoss({ firstSequence: 1, lastSequence: 2 ** 40, reason: 'ring_overrun' });
    hub.publishAlert(alert, undefined, layout);
    for (const batch of [1, 3, 256]) {
      const { full, compactRaw, compactRead } = bothWays(envs, batch);
      expect(compactRead).toEqual(full);
      const texts = compactRaw.filter((e) => e.payload === 'compactAlert').map((e) => (e.compactAlert as { output?: string }).output);
      expect(texts).toEqual([undefined, `${rendered}!`, rendered, rendered, undefined]);
      expect(compactRaw.filter((e) => e.payload === 'alertSchema').length).toBe(2);
    }
  });

  it("stays readable past the schema tables' bounds: a schema used again after 4,096 others is sent again", () => {
    const { hub, envs } = hubWithSink();
    const layout = compileOutput('rule %proc.name').layout;
    const alertOf = (rule: string) => ({
      time: '2026-01-01T00:00:00.000000001Z',
      rule,
      priority: 'Notice',
      output: '00:00:00.000000001: Notice rule sh',
      output_fields: { 'proc.name': 'sh' },
      hostname: 'h',
      source: 'syscall',
      tags: [],
    });
    for (let i = 0; i < 4_200; i++) hub.publishAlert(alertOf(`R${i}`), undefined, layout);
    hub.publishAlert(alertOf('R0'), undefined, layout);
    const { full, compactRaw, compactRead } = bothWays(envs);
    expect(compactRead).toEqual(full);
    const schemasFor = compactRaw.filter((e) => e.payload === 'alertSchema' && (e.alertSchema as { rule: string }).rule === 'R0');
    expect(schemasFor).toHaveLength(2);
  });

  it('sends schemas again on a new stream (a resume), and a reader refuses an alert whose schema it was not sent', () => {
    const { hub, envs } = hubWithSink();
    for (const a of realAlerts(50).slice(0, 50)) hub.publishAlert(a.alert, a.event, a.layout);
    const first = decodeBatch(compactEncoder()(envs));
    const resumed = decodeBatch(compactEncoder()(envs.slice(25)));
    const ids = (l: WireEnvelope[]): number[] => l.filter((e) => e.payload === 'alertSchema').map((e) => (e.alertSchema as { id: number }).id);
    const needed = new Set(resumed.filter((e) => e.payload === 'compactAlert').map((e) => (e.compactAlert as { schemaId: number }).schemaId));
    expect(new Set(ids(resumed))).toEqual(needed);
    expect(ids(first).length).toBeGreaterThanOrEqual(ids(resumed).length);
    expect(resumed[0]!.node).toBe('node-1');
    const reader = createCompactReader();
    expect(() => reader.read(resumed.find((e) => e.payload === 'compactAlert')!)).toThrow(CompactStreamError);
  });
});
