import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJsonOutput, createNoneOutput, createOutput, createPrettyOutput, falcoJsonLine, prettyLine } from '../../../../agent/outputs/index.js';
import { metricValue, sampleAlert, SlowStream, testDeps } from '../helpers.js';

const signal = new AbortController().signal;

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return () => text;
}

describe('json output', () => {
  it("prints one alert per line in Falco's JSON shape, keys in Falco's order", async () => {
    const deps = testDeps();
    const stream = new PassThrough();
    const out = collect(stream);
    const o = createJsonOutput(deps, { stream, maxQueue: 10 });
    await o.start(signal);
    expect(o.emit(sampleAlert())).toBe(true);
    expect(o.emit(sampleAlert({ rule: 'second' }))).toBe(true);
    await o.stop();
    const lines = out().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['time', 'rule', 'priority', 'output', 'output_fields', 'hostname', 'source', 'tags']);
    expect(first).toEqual(sampleAlert());
    expect((JSON.parse(lines[1]!) as { rule: string }).rule).toBe('second');
    expect(await metricValue(deps.registry, 'vigil_output_alerts_total', { output: 'json' })).toBe(2);
  });
});

describe('pretty output', () => {
  it('prints time, priority, rule and the output text without Falco’s own prefix', () => {
    expect(prettyLine(sampleAlert(), false)).toBe('2024-05-01T10:00:00.123456789Z Notice [Terminal shell in container] A shell was spawned in a container (user=root container_id=abc)');
  });

  it('colours the priority only when asked (stdout is a TTY) and keeps one line per alert', () => {
    expect(prettyLine(sampleAlert(), true)).toContain('\x1b[36mNotice\x1b[0m');
    expect(prettyLine(sampleAlert(), false)).not.toContain('\x1b[');
    expect(prettyLine(sampleAlert({ output: 'two\nlines' }), false)).toMatch(/\] two\\nlines$/);
  });

  it('shows terminal control characters from process names and arguments escaped, never raw', () => {
    const hostile = 'sh -c x\x1b[2K\r\x1b[1;31mCritical fake alert\x07\x0b\x08\u009b0m\x1bc\\x1b';
    const line = prettyLine(sampleAlert({ output: hostile, rule: 'R\x1b]0;title\x07' }), false);
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(line).toContain('sh -c x\\x1b[2K\\r\\x1b[1;31mCritical fake alert\\x07\\x0b\\x08\\x9b0m\\x1bc\\\\x1b');
    expect(line).toContain('[R\\x1b]0;title\\x07]');
  });

  it('keeps JSON exact while writing DEL, C1 and line separators as \\u escapes', () => {
    const output = 'a\x1b[31m\u009b\x7f\u2028z';
    const line = falcoJsonLine(sampleAlert({ output }));
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028]/);
    expect((JSON.parse(line) as { output: string }).output).toBe(output);
  });

  it('writes through the stream', async () => {
    const stream = new PassThrough();
    const out = collect(stream);
    const o = createPrettyOutput(testDeps(), { stream, maxQueue: 10, color: false });
    await o.start(signal);
    o.emit(sampleAlert());
    await o.stop();
    expect(out()).toBe(`${prettyLine(sampleAlert(), false)}\n`);
  });
});

describe('backpressure', () => {
  it('queues while the stream is slow, drops beyond the bound and counts every drop', async () => {
    const deps = testDeps();
    const stream = new SlowStream(1); // every write beyond the first waits for 'drain'
    const o = createJsonOutput(deps, { stream, maxQueue: 3, flushTimeoutMs: 2000 });
    await o.start(signal);
    const accepted = Array.from({ length: 10 }, (_, i) => o.emit(sampleAlert({ rule: `r${i}` })));
    // The first line went to the stream (which then reported backpressure); 3 wait in the queue; 6 are dropped.
    expect(accepted.filter(Boolean)).toHaveLength(4);
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'queue_full' })).toBe(6);
    expect(await metricValue(deps.registry, 'vigil_output_queue_depth', { output: 'json' })).toBe(3);
    // Once the reader catches up the queue drains in order and nothing else is lost.
    const releaser = setInterval(() => stream.release(), 5);
    await o.stop();
    clearInterval(releaser);
    const rules = stream.chunks.map((c) => (JSON.parse(c) as { rule: string }).rule);
    expect(rules).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'shutdown' })).toBe(0);
    expect(await metricValue(deps.registry, 'vigil_output_queue_depth', { output: 'json' })).toBe(0);
  });

  it('counts what is still queued at shutdown when the reader never catches up', async () => {
    const deps = testDeps();
    const stream = new SlowStream(1);
    const o = createJsonOutput(deps, { stream, maxQueue: 5, flushTimeoutMs: 20 });
    await o.start(signal);
    for (let i = 0; i < 4; i++) o.emit(sampleAlert());
    await o.stop();
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'shutdown' })).toBe(3);
    expect(o.emit(sampleAlert())).toBe(false);
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'shutdown' })).toBe(4);
  });

  it('turns a broken stream into counted write_error drops and one error report', async () => {
    const deps = testDeps();
    const stream = new SlowStream(1);
    const o = createJsonOutput(deps, { stream, maxQueue: 5 });
    await o.start(signal);
    o.emit(sampleAlert());
    o.emit(sampleAlert());
    stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await new Promise((r) => setImmediate(r));
    expect(o.emit(sampleAlert())).toBe(false);
    await o.stop();
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'write_error' })).toBe(2);
    expect(deps.errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['output.json/write']);
  });

  it('counts alerts emitted before start', () => {
    const deps = testDeps();
    const o = createJsonOutput(deps, { stream: new PassThrough(), maxQueue: 5 });
    expect(o.emit(sampleAlert())).toBe(false);
    return expect(metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'not_started' })).resolves.toBe(1);
  });

  it('a formatting failure drops that alert only', async () => {
    const deps = testDeps();
    const stream = new PassThrough();
    const out = collect(stream);
    const o = createJsonOutput(deps, { stream, maxQueue: 5 });
    await o.start(signal);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(o.emit(sampleAlert({ output_fields: cyclic as never }))).toBe(false);
    expect(o.emit(sampleAlert())).toBe(true);
    await o.stop();
    expect(out().split('\n').filter(Boolean)).toHaveLength(1);
    expect(await metricValue(deps.registry, 'vigil_output_dropped_total', { output: 'json', reason: 'format_error' })).toBe(1);
  });
});

describe('createOutput', () => {
  it('builds the output --output names; none prints nothing', async () => {
    const stream = new PassThrough();
    const out = collect(stream);
    expect(createOutput(testDeps(), { kind: 'json', stream, maxQueue: 1, color: false }).name).toBe('output.json');
    expect(createOutput(testDeps(), { kind: 'pretty', stream, maxQueue: 1, color: false }).name).toBe('output.pretty');
    const none = createNoneOutput(testDeps());
    await none.start(signal);
    expect(none.emit(sampleAlert())).toBe(true);
    await none.stop();
    expect(out()).toBe('');
  });
});
