import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../../../agent/delivery/hub.js';
import { decodeBatch } from '../../../../agent/delivery/wire.js';
import { grpcMetrics } from '../../../../agent/grpc/metrics.js';
import { createSubscriber } from '../../../../agent/grpc/subscriber.js';
import { testDeps } from '../../../helpers/deps.js';

/** A stream that accepts `room` writes, then reports full until drained by the test. */
class FakeStream extends EventEmitter {
  batches: Record<string, unknown>[][] = [];
  constructor(public room: number) {
    super();
  }
  write(b: Buffer): boolean {
    this.batches.push(decodeBatch(b));
    this.room--;
    return this.room > 0;
  }
  drain(room: number): void {
    this.room = room;
    this.emit('drain');
  }
  get envelopes(): Record<string, unknown>[] {
    return this.batches.flat();
  }
}

const pub = (hub: Hub): void => hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'x' } });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('subscriber queue', () => {
  it('drops the newest when full, counts them and announces the exact range in-band after the last envelope before the gap', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 1000, bootId: 'b' });
    const registry = new Registry();
    const metrics = grpcMetrics(registry).attach('siem', () => sub.queued);
    const stream = new FakeStream(1);
    const sub = createSubscriber(stream, () => true, metrics, { maxQueue: 5, maxBatch: 2, node: 'n', bootId: 'b', id: 7 });
    hub.addSink(sub);
    for (let i = 0; i < 3; i++) pub(hub); // 1..3
    await tick();
    // One write (1, 2) filled the stream; 3 waits in the queue (4 free places).
    expect(stream.envelopes.map((e) => e.sequence)).toEqual(['1', '2']);
    for (let i = 0; i < 10; i++) pub(hub); // 4..13: 4..7 queue, 8..13 dropped
    expect(sub.queued).toBe(5);
    stream.drain(100);
    await tick();
    await tick();
    pub(hub); // 14 arrives after the gap
    await tick();
    const seqs = stream.envelopes.map((e) => (e.payload === 'loss' ? e.loss : e.sequence));
    expect(seqs).toEqual(['1', '2', '3', '4', '5', '6', '7', { firstSequence: '8', lastSequence: '13', count: '6', reason: 'subscriber_queue_full' }, '14']);
    const notice = stream.envelopes[7]!;
    expect(notice).toMatchObject({ eventId: 'b-loss-7-1', bootId: 'b', node: 'n' });
    expect(notice.sequence).toBeUndefined(); // 0 (proto3's default, so absent): not one of the agent's sequence numbers
    expect((await registry.getSingleMetric('vigil_grpc_subscriber_dropped_total')!.get()).values).toEqual([{ value: 6, labels: { reason: 'queue_full', subscriber: 'siem' } }]);
    expect((await registry.getSingleMetric('vigil_grpc_sent_total')!.get()).values[0]!.value).toBe(9);
  });

  it('announces a gap even when nothing arrives after it', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 10, bootId: 'b' });
    const stream = new FakeStream(1);
    const sub = createSubscriber(
      stream,
      () => true,
      grpcMetrics(new Registry()).attach('t', () => 0),
      { maxQueue: 1, maxBatch: 10, node: 'n', bootId: 'b', id: 1 },
    );
    hub.addSink(sub);
    pub(hub); // 1 queued
    await tick(); // written, stream full
    pub(hub); // 2 queued
    pub(hub); // 3 dropped
    stream.drain(10);
    await tick();
    await tick();
    expect(stream.envelopes.map((e) => (e.payload === 'loss' ? e.loss : e.sequence))).toEqual(['1', '2', { firstSequence: '3', lastSequence: '3', count: '1', reason: 'subscriber_queue_full' }]);
  });

  it('sends nothing that does not pass its filter, and nothing after close', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 10, bootId: 'b' });
    const stream = new FakeStream(100);
    const sub = createSubscriber(
      stream,
      (e) => e.sequence % 2 === 0,
      grpcMetrics(new Registry()).attach('t', () => 0),
      { maxQueue: 10, maxBatch: 10, node: 'n', bootId: 'b', id: 1 },
    );
    hub.addSink(sub);
    for (let i = 0; i < 4; i++) pub(hub);
    await tick();
    sub.close();
    pub(hub);
    pub(hub);
    await tick();
    expect(stream.envelopes.map((e) => e.sequence)).toEqual(['2', '4']);
  });
});
