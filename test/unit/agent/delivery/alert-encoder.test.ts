import { describe, expect, it } from 'vitest';
import { encodeAlertOrLoss } from '../../../../agent/delivery/alert-encoder.js';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { createHub } from '../../../../agent/delivery/hub.js';
import { EnvelopeType, toWireObject } from '../../../../agent/delivery/wire.js';
import { realAlerts } from '../../../../bench/delivery/alerts.js';
import { testDeps } from '../../../helpers/deps.js';

const decoded = (b: Uint8Array): unknown => EnvelopeType.toObject(EnvelopeType.decode(b), { longs: String, enums: String, defaults: true, oneofs: true });
const HOSTILE = 'evil\n\r\x1b[31m|=\\"\'\u202e\u2028\u{1F600}é\x00';

describe('direct alert encoder', () => {
  it('writes exactly what protobufjs decodes as the generic encoding, for real alerts, hostile and long strings and loss notices', () => {
    const hub = createHub(testDeps(), { node: 'node-1', ringSize: 10 });
    const envs: Envelope[] = [];
    hub.addSink({ deliver: (e) => envs.push(e) });
    for (const a of realAlerts(500)) hub.publishAlert(a.alert, a.event, a.layout);
    hub.publishAlert({
      time: '2026-01-01T00:00:00.000000001Z',
      rule: HOSTILE,
      priority: 'Emergency',
      output: HOSTILE.repeat(3000),
      output_fields: { [HOSTILE]: HOSTILE, big: 2 ** 53 - 1, neg: -(2 ** 53 - 1), zero: 0, frac: -0.5, huge: 1e300, t: true, f: false, n: null },
      hostname: HOSTILE,
      source: 'syscall',
      tags: [HOSTILE, ''],
    });
    hub.publishLoss({ firstSequence: 1, lastSequence: 2 ** 40, reason: 'ring_overrun' });
    for (const e of envs) {
      const direct = encodeAlertOrLoss(e)!;
      expect(direct).toBeDefined();
      expect(decoded(direct)).toEqual(decoded(EnvelopeType.encode(toWireObject(e)).finish()));
    }
    expect(envs.length).toBeGreaterThan(400);
  });

  it('leaves other kinds to the generic encoder', () => {
    const hub = createHub(testDeps(), { node: 'n', ringSize: 10 });
    const envs: Envelope[] = [];
    hub.addSink({ deliver: (e) => envs.push(e) });
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'sh' } });
    expect(encodeAlertOrLoss(envs[0]!)).toBeUndefined();
  });
});
