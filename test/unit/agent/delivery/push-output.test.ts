import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutputCommon } from '../../../../agent/delivery/output-config.js';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { createPushOutput, type PushSink } from '../../../../agent/delivery/push-output.js';
import { testDeps } from '../../../helpers/deps.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const common = (over: Partial<OutputCommon> = {}): OutputCommon => ({
  name: 'test',
  filter: { kinds: ['alert'], minPriority: 'Debug', rules: [], namespaces: [] },
  spoolMaxBytes: 1 << 20,
  maxBackoffMs: 250,
  batchSize: 10,
  ...over,
});

const alert = (n: number, priority = 'Critical', ns = 'shop'): Envelope => ({
  node: 'n1',
  bootId: 'b',
  sequence: n,
  eventId: `e${n}`,
  timeNs: BigInt(n),
  kind: 'alert',
  alert: { time: '2026-01-01T00:00:00Z', rule: n % 2 ? 'Odd' : 'Even', priority, output: 'x', output_fields: { 'k8s.ns.name': ns }, hostname: 'n1', source: 's', tags: [] },
});

/** A receiver that is down while `down` is true and records what it got. */
function receiver() {
  const got: Envelope[] = [];
  const state = { down: false, attempts: 0 };
  const sink: PushSink = {
    async send(batch) {
      state.attempts++;
      if (state.down) throw new Error('connection refused');
      got.push(...batch);
      return { rejected: 0 };
    },
    async close() {},
  };
  return { got, state, sink };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(over: Partial<OutputCommon> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-push-'));
  dirs.push(dir);
  const deps = testDeps();
  const r = receiver();
  const make = () => createPushOutput(deps, common(over), { spoolDir: dir, maxQueue: 1000, node: 'n1', bootId: 'b' }, () => r.sink);
  return { dir, deps, r, make };
}

const metric = async (deps: ReturnType<typeof testDeps>, name: string) => (await deps.registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;

describe('push output', () => {
  it('delivers in order through an outage, retrying with the same ids, and reports health', async () => {
    const { deps, r, make } = setup();
    const out = make();
    await out.start(new AbortController().signal);
    for (let i = 1; i <= 5; i++) out.deliver(alert(i));
    await until(() => r.got.length === 5, 'first five');
    r.state.down = true;
    for (let i = 6; i <= 30; i++) out.deliver(alert(i));
    await until(() => !out.health().ok, 'health to turn bad');
    expect(out.health().detail).toMatch(/connection refused/);
    const attempts = r.state.attempts;
    await until(() => r.state.attempts >= attempts + 2, 'a retry');
    r.state.down = false;
    // The receiver has a batch a moment before the output counts it: wait for the count.
    await until(async () => r.got.length === 30 && (await metric(deps, 'vigil_output_sent_total')) === 30, 'everything after the outage');
    expect(r.got.map((e) => e.eventId)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i + 1}`));
    expect(out.health().ok).toBe(true);
    expect(await metric(deps, 'vigil_output_sent_total')).toBe(30);
    expect(await metric(deps, 'vigil_output_failed_total')).toBeGreaterThan(0);
    expect(await metric(deps, 'vigil_output_retried_total')).toBeGreaterThan(0);
    expect(await metric(deps, 'vigil_output_last_success_timestamp_seconds')).toBeGreaterThan(0);
    await out.stop();
  });

  it('keeps what was not delivered across a stop and sends it after the next start', async () => {
    const { r, make } = setup();
    r.state.down = true;
    const a = make();
    await a.start(new AbortController().signal);
    for (let i = 1; i <= 12; i++) a.deliver(alert(i));
    await until(() => r.state.attempts > 0, 'an attempt');
    await a.stop();
    a.deliver(alert(99)); // after stop: counted as dropped, never sent

    r.state.down = false;
    const b = make();
    await b.start(new AbortController().signal);
    await until(() => r.got.length === 12, 'the replay');
    expect(r.got.map((e) => e.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await b.stop();
  });

  it('takes only what its filter takes', async () => {
    const { r, make } = setup({ filter: { kinds: ['alert'], minPriority: 'Error', rules: ['Odd'], namespaces: ['shop'] } });
    const out = make();
    await out.start(new AbortController().signal);
    out.deliver(alert(1, 'Warning'));
    out.deliver(alert(2, 'Critical'));
    out.deliver(alert(3, 'Critical', 'other'));
    out.deliver({ ...alert(4), kind: 'exec', alert: undefined, fields: { 'k8s.ns.name': 'shop' } });
    out.deliver(alert(5, 'Error'));
    await until(() => r.got.length === 1, 'the one match');
    expect(r.got[0]!.sequence).toBe(5);
    await out.stop();
  });

  it('announces evictions of a full spool with a loss notice that covers exactly the lost sequences', async () => {
    const { deps, r, make } = setup({ spoolMaxBytes: 1 << 16, batchSize: 1000 });
    r.state.down = true;
    const out = make();
    await out.start(new AbortController().signal);
    const big = (n: number): Envelope => {
      const e = alert(n);
      return { ...e, alert: { ...e.alert!, output: 'y'.repeat(900) } };
    };
    for (let i = 1; i <= 400; i++) {
      out.deliver(big(i));
      if (i % 50 === 0) await new Promise((res) => setTimeout(res, 20));
    }
    await until(() => r.state.attempts > 0, 'an attempt');
    await new Promise((res) => setTimeout(res, 100));
    r.state.down = false;
    // Notices go in behind the survivors: wait until the spool is empty, not just for the newest alert.
    await until(async () => r.got.some((e) => e.sequence === 400) && (await metric(deps, 'vigil_output_queue_depth')) === 0 && out.health().detail.startsWith('idle'), 'the spool to drain');
    const alerts = r.got.filter((e) => e.kind === 'alert').map((e) => e.sequence);
    const notices = r.got.filter((e) => e.kind === 'loss').map((e) => e.loss!);
    expect(notices.length).toBeGreaterThan(0);
    const lost = new Set<number>();
    for (const n of notices) for (let s = n.firstSequence; s <= n.lastSequence; s++) lost.add(s);
    expect(notices.reduce((s, n) => s + n.count, 0)).toBe(lost.size);
    // Every sequence arrived or was announced lost, never both.
    for (let s = 1; s <= 400; s++) expect(lost.has(s) !== alerts.includes(s)).toBe(true);
    expect(await metric(deps, 'vigil_output_spool_evicted_total')).toBe(lost.size);
    await out.stop();
  });
});
