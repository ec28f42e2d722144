import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileOutputConfig } from '../../../../agent/delivery/output-config.js';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { alertmanagerAlert } from '../../../../agent/delivery/sinks/alertmanager.js';
import { createFileSink } from '../../../../agent/delivery/sinks/file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const env = (n: number): Envelope => ({
  node: 'n',
  bootId: 'b',
  sequence: n,
  eventId: `e${n}`,
  timeNs: 0n,
  kind: 'alert',
  alert: { time: '2026-01-01T00:00:00Z', rule: 'R', priority: 'Error', output: 'o'.repeat(200), output_fields: { 'k8s.ns.name': 'shop' }, hostname: 'n', source: 's', tags: [] },
});

describe('file sink', () => {
  it('rotates by size, keeps maxFiles rotated files, and never splits a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-file-sink-'));
    dirs.push(dir);
    const path = join(dir, 'events.jsonl');
    const cfg = { type: 'file', name: 'f', path, maxBytes: 4096, maxFiles: 2 } as FileOutputConfig;
    const sink = createFileSink(cfg);
    for (let i = 1; i <= 60; i++) await sink.send([env(i)]);
    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    const seqs = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { sequence: number }).sequence);
    const newest = seqs('events.jsonl');
    const one = seqs('events.jsonl.1');
    const two = seqs('events.jsonl.2');
    // Newest last, contiguous across the files, each file under the cap.
    expect([...two, ...one, ...newest]).toEqual(Array.from({ length: two.length + one.length + newest.length }, (_, i) => 61 - two.length - one.length - newest.length + i));
    expect(newest.at(-1)).toBe(60);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(4096);
  });
});

describe('alertmanager alert', () => {
  it('resolves a quiet period after it was last raised, labelled by rule, priority, namespace, pod and node', () => {
    const a = alertmanagerAlert(env(1), 300_000, Date.parse('2026-01-01T00:00:10Z'));
    expect(a).toMatchObject({
      labels: { alertname: 'R', priority: 'Error', namespace: 'shop', node: 'n', source: 'vigil' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T00:05:10.000Z',
    });
    expect((a.labels as Record<string, string>).pod).toBeUndefined(); // absent, not ""
  });
});
