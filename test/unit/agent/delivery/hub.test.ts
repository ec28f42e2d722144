import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { createHub } from '../../../../agent/delivery/hub.js';
import type { VigilEvent } from '../../../../rules/index.js';
import { testDeps } from '../../../helpers/deps.js';

const ev = (type: VigilEvent['type'], extra: Partial<VigilEvent> = {}): VigilEvent => ({
  type,
  source: 'syscall',
  timeMs: 1_700_000_000_000,
  proc: { pid: 9, name: 'nc', args: ['-e', '/bin/sh'] },
  ...extra,
});

describe('delivery hub', () => {
  it('numbers every envelope from 1 without gaps, with unique ids, its boot id and node name', () => {
    const hub = createHub(testDeps(), { node: 'node-1', ringSize: 10 });
    const seen: Envelope[] = [];
    hub.addSink({ deliver: (e) => seen.push(e) });
    hub.publishEvent(ev('execve'));
    hub.publishEvent(ev('connect'));
    hub.publishAlert({ time: '2023-11-14T22:13:20.000000001Z', rule: 'R', priority: 'Warning', output: '', output_fields: {}, hostname: 'h', source: 'syscall', tags: [] });
    hub.publishLoss({ firstSequence: 1, lastSequence: 2, reason: 'test' });
    expect(seen.map((e) => [e.sequence, e.kind])).toEqual([
      [1, 'exec'],
      [2, 'connection'],
      [3, 'alert'],
      [4, 'loss'],
    ]);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(4);
    expect(seen.every((e) => e.bootId === hub.bootId && e.node === 'node-1')).toBe(true);
    expect(hub.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[2]!.timeNs).toBe(1_700_000_000_000_000_001n);
    expect(seen[3]!.loss).toEqual({ firstSequence: 1, lastSequence: 2, count: 2, reason: 'test' });
    expect(hub.lastSequence).toBe(4);
  });

  it('maps every event type to its kind and lists its Falco fields', () => {
    const hub = createHub(testDeps(), { node: 'n', ringSize: 10 });
    const seen: Envelope[] = [];
    hub.addSink({ deliver: (e) => seen.push(e) });
    for (const t of ['execve', 'procexit', 'connect', 'accept', 'listen', 'dup', 'container', 'metric'] as const) hub.publishEvent(ev(t));
    expect(seen.map((e) => e.kind)).toEqual(['exec', 'exit', 'connection', 'connection', 'connection', 'stdio', 'container', 'metric']);
    expect(seen[0]!.fields).toMatchObject({ 'evt.type': 'execve', 'proc.name': 'nc', 'proc.cmdline': 'nc -e /bin/sh', 'k8s.ns.name': null });
  });

  it('keeps the last ringSize envelopes for since() and says which range it no longer holds', () => {
    const hub = createHub(testDeps(), { node: 'n', ringSize: 3 });
    for (let i = 0; i < 5; i++) hub.publishEvent(ev('execve'));
    expect(hub.since(3).envelopes.map((e) => e.sequence)).toEqual([4, 5]);
    expect(hub.since(3).lost).toBeUndefined();
    expect(hub.since(2).lost).toBeUndefined();
    const r = hub.since(0);
    expect(r.envelopes.map((e) => e.sequence)).toEqual([3, 4, 5]);
    expect(r.lost).toEqual({ firstSequence: 1, lastSequence: 2 });
    expect(hub.since(5).envelopes).toEqual([]);
    expect(hub.since(99).envelopes).toEqual([]);
  });

  it('a throwing sink is reported and the others still get the envelope; removed sinks get nothing', () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 3 });
    const got: number[] = [];
    hub.addSink({
      deliver: () => {
        throw new Error('boom');
      },
    });
    const remove = hub.addSink({ deliver: (e) => got.push(e.sequence) });
    hub.publishEvent(ev('execve'));
    remove();
    hub.publishEvent(ev('execve'));
    expect(got).toEqual([1]);
    expect(deps.reported.map((r) => r.stage)).toEqual(['sink', 'sink']);
  });

  it('counts vigil_envelopes_total by kind', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 3 });
    hub.publishEvent(ev('execve'));
    hub.publishEvent(ev('execve'));
    hub.publishEvent(ev('dup'));
    const text = await deps.registry.metrics();
    expect(text).toContain('vigil_envelopes_total{kind="exec"} 2');
    expect(text).toContain('vigil_envelopes_total{kind="stdio"} 1');
  });
});
