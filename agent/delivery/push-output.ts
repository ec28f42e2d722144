import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import type { OutputCommon } from './output-config.js';
import type { Envelope, EnvelopeSink } from './envelope.js';
import { compileOutputFilter } from './output-filter.js';
import { envelopeJson, parseEnvelopeJson } from './formats/envelope-json.js';
import { pushMetrics } from './push-metrics.js';
import { createSpool, type Eviction, type PeekedRecord, type SpoolRecord } from './spool.js';

/**
 * The receiving end of one push output: a file, an HTTP endpoint, a syslog
 * server, Alertmanager, NATS. `send` resolves once the receiver has the
 * whole batch, in order, or throws (the batch stays spooled and is sent
 * again, same event ids). It returns how many envelopes the receiver
 * refused for good (an HTTP 400): those are counted and not retried.
 */
export interface PushSink {
  send(batch: readonly Envelope[]): Promise<{ rejected: number }>;
  close(): Promise<void>;
}

export interface PushOutputHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** A push output: an EnvelopeSink (fed by the hub) and a Component, with a health check for /readyz. */
export interface PushOutput extends Component, EnvelopeSink {
  health(): PushOutputHealth;
}

export interface PushOutputOptions {
  readonly spoolDir: string;
  /** Envelopes waiting in memory for the spool's next write; past it they are dropped (counted as queue_full). */
  readonly maxQueue: number;
  /** The node and boot id for loss notices this output makes itself. */
  readonly node: string;
  readonly bootId: string;
}

const MIN_BACKOFF_MS = 250;
const STOP_WAIT_MS = 1000;

/**
 * Every envelope the filter takes is written to the output's spool first
 * and sent from there, oldest first, so a receiver that is down for
 * minutes, or an agent restart or SIGKILL, loses nothing the spool's cap
 * does not announce. `deliver` only queues in memory (never blocks, never
 * throws); one loop writes the spool, another sends with doubling backoff
 * while the receiver fails, and never gives up.
 */
export function createPushOutput(deps: CollectorDeps, cfg: OutputCommon, opts: PushOutputOptions, makeSink: () => PushSink): PushOutput {
  const output = cfg.name;
  const component = `output.${output}`;
  const metrics = pushMetrics(deps.registry);
  const accepts = compileOutputFilter(cfg.filter);
  const spool = createSpool({
    dir: join(opts.spoolDir, output),
    maxBytes: cfg.spoolMaxBytes,
    segmentBytes: Math.max(4096, Math.floor(cfg.spoolMaxBytes / 16)),
    onEvict: (e) => evicted.push(e),
  });
  const evicted: Eviction[] = [];
  let queue: SpoolRecord[] = [];
  let sink: PushSink | undefined;
  let opened = false;
  let stopped = false;
  let writing: Promise<void> | undefined;
  let sending: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let health: PushOutputHealth = { ok: false, detail: 'not started' };
  let spoolBroken: string | undefined;

  const setDepth = () => {
    metrics.queueDepth.set({ output }, queue.length + spool.pending);
    metrics.spoolBytes.set({ output }, spool.bytes);
  };
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  function lossEnvelope(e: Eviction): SpoolRecord {
    const env: Envelope = {
      node: opts.node,
      bootId: opts.bootId,
      // Made by this output, not the stream: 0, which no stream envelope has.
      sequence: 0,
      eventId: randomUUID(),
      timeNs: BigInt(Date.now()) * 1_000_000n,
      kind: 'loss',
      loss: { firstSequence: e.firstSequence, lastSequence: e.lastSequence, count: e.count, reason: `spool_full: output ${output} evicted its oldest records` },
    };
    return { first: e.firstSequence, last: e.lastSequence, count: e.count, gap: true, payload: Buffer.from(envelopeJson(env)) };
  }

  /** Moves queued envelopes to the spool, then lets the sender know. */
  function flush(): void {
    if (writing || !opened) return;
    writing = (async () => {
      while (queue.length > 0 || evicted.length > 0) {
        const batch = queue;
        queue = [];
        try {
          if (batch.length > 0) await spool.append(batch);
          spoolBroken = undefined;
        } catch (err) {
          deps.errors.report(component, 'spool', err);
          metrics.dropped.inc({ output, reason: 'spool_error' }, batch.length);
          spoolBroken = (err as Error).message;
        }
        while (evicted.length > 0) {
          const e = evicted.shift()!;
          if (!e.again) {
            metrics.evicted.inc({ output }, e.count);
            metrics.dropped.inc({ output, reason: 'spool_full' }, e.count);
          }
          // The notice goes in after the survivors. Should it be evicted in turn, the next notice covers its gap too.
          await spool.append([lossEnvelope(e)]).catch((err: unknown) => deps.errors.report(component, 'spool', err));
        }
        setDepth();
        poke();
      }
    })().finally(() => {
      writing = undefined;
      if (queue.length > 0 || evicted.length > 0) flush();
    });
  }

  /** The batch's envelopes; a record that does not parse (which the crc makes a bug, not bad luck) is counted and skipped. */
  function readable(batch: readonly PeekedRecord[]): Envelope[] {
    const out: Envelope[] = [];
    for (const r of batch) {
      try {
        out.push(parseEnvelopeJson(r.payload.toString('utf8')));
      } catch (err) {
        deps.errors.report(component, 'spool', err);
        metrics.dropped.inc({ output, reason: 'format_error' });
      }
    }
    return out;
  }

  /** The send loop, restarted after anything it did not expect: an output never dies for good. */
  async function sendForever(): Promise<void> {
    while (!stopped) {
      try {
        await sendLoop();
      } catch (err) {
        deps.errors.report(component, 'send', err);
        health = { ok: false, detail: `send loop failed (${(err as Error).message}); restarting` };
        await pause(cfg.maxBackoffMs);
      }
    }
  }

  async function sendLoop(): Promise<void> {
    let backoffMs = MIN_BACKOFF_MS;
    let retrying = false;
    while (!stopped) {
      let batch: Awaited<ReturnType<typeof spool.peek>>;
      try {
        batch = await spool.peek(cfg.batchSize);
      } catch (err) {
        deps.errors.report(component, 'spool', err);
        health = { ok: false, detail: `spool unreadable: ${(err as Error).message}` };
        await pause(backoffMs);
        continue;
      }
      if (batch.length === 0) {
        if (!spoolBroken) health = { ok: true, detail: 'idle: everything delivered' };
        await pause(60_000);
        continue;
      }
      const envelopes = readable(batch);
      if (retrying) metrics.retried.inc({ output }, envelopes.length);
      try {
        sink ??= makeSink();
        const { rejected } = envelopes.length > 0 ? await sink.send(envelopes) : { rejected: 0 };
        await spool.ack(batch[batch.length - 1]!.ticket);
        metrics.sent.inc({ output }, envelopes.length - rejected);
        if (rejected > 0) metrics.dropped.inc({ output, reason: 'rejected' }, rejected);
        metrics.lastSuccess.set({ output }, Date.now() / 1000);
        flush(); // evictions that waited for this attempt
        health = spoolBroken ? { ok: false, detail: `spool write failing: ${spoolBroken}` } : { ok: true, detail: `delivering; ${spool.pending} pending` };
        backoffMs = MIN_BACKOFF_MS;
        retrying = false;
      } catch (err) {
        if (stopped) break;
        metrics.failed.inc({ output }, envelopes.length);
        deps.errors.report(component, 'send', err);
        health = { ok: false, detail: `receiver failing (${(err as Error).message}); ${spool.pending} spooled, next try in ${backoffMs} ms` };
        retrying = true;
        await spool.release().catch((e: unknown) => deps.errors.report(component, 'spool', e));
        flush();
        await pause(backoffMs + Math.floor(Math.random() * backoffMs * 0.2));
        backoffMs = Math.min(cfg.maxBackoffMs, backoffMs * 2);
      }
      setDepth();
    }
  }

  return {
    name: component,
    health: () => health,

    deliver(e) {
      try {
        if (!accepts(e)) return;
        if (stopped) {
          metrics.dropped.inc({ output, reason: 'shutdown' });
          return;
        }
        if (queue.length >= opts.maxQueue) {
          metrics.dropped.inc({ output, reason: 'queue_full' });
          return;
        }
        queue.push({ first: e.sequence, last: e.sequence, count: 1, gap: false, payload: Buffer.from(envelopeJson(e)) });
        if (queue.length === 1) setImmediate(flush);
      } catch (err) {
        // One unserialisable envelope must not stop the next.
        deps.errors.report(component, 'format', err);
        metrics.dropped.inc({ output, reason: 'format_error' });
      }
    },

    async start() {
      if (opened || stopped) return;
      const r = await spool.open();
      if (r.tornBytes > 0) deps.log.warn({ output, tornBytes: r.tornBytes }, 'spool had a torn last record (the agent died mid-write); cut it and kept the rest');
      if (r.records > 0) deps.log.info({ output, records: r.records }, 'replaying spooled envelopes');
      opened = true;
      health = { ok: true, detail: r.records > 0 ? `replaying ${r.records} spooled` : 'started' };
      setDepth();
      flush();
      sending = sendForever();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      poke();
      // What is queued in memory goes to disk: the next start sends it.
      if (opened) {
        flush();
        await writing;
      } else if (queue.length > 0) metrics.dropped.inc({ output, reason: 'shutdown' }, queue.length);
      // A send in flight is given a moment; its batch stays spooled either way.
      await Promise.race([sending, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
      await sink?.close().catch((err: unknown) => deps.errors.report(component, 'close', err));
      await spool.close();
      health = { ok: false, detail: 'stopped' };
    },
  };
}
