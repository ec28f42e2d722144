import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsOutputConfig } from '../output-config.js';
import type { Envelope } from '../envelope.js';
import { envelopeJson } from '../formats/envelope-json.js';
import type { PushSink } from '../push-output.js';

/** A NATS subject token: anything but letters, digits, `-` and `_` (dots, spaces, wildcards) becomes `_`. */
const token = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_') || '_';

/** `<prefix>.<node>.<priority>` for alerts (priority lower-cased), `<prefix>.<node>.<kind>` otherwise. */
export function natsSubject(prefix: string, e: Envelope): string {
  return `${prefix}.${token(e.node)}.${token(e.alert ? e.alert.priority.toLowerCase() : e.kind)}`;
}

/**
 * Publishes each envelope (envelopeJson) to JetStream and waits for the
 * stream's acknowledgement. The event id is the Nats-Msg-Id, so JetStream
 * itself drops a retry it already stored (within the stream's duplicate
 * window). The stream is the operator's: it must cover <prefix>.>.
 */
export function createNatsSink(cfg: NatsOutputConfig): PushSink {
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  const reset = async () => {
    const c = nc;
    nc = undefined;
    js = undefined;
    await c?.close().catch(() => undefined);
  };
  return {
    async send(batch) {
      if (!nc || nc.isClosed()) {
        // Loaded on first use: the NATS client is ~8 MB of resident memory an agent without this output should not carry.
        const [{ connect }, { jetstream }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
        nc = await connect({
          servers: [...cfg.servers],
          timeout: cfg.timeoutMs,
          name: 'vigil',
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          // The client reads the files itself at each connect.
          ...(cfg.tls ? { tls: { caFile: cfg.tls.caFile, certFile: cfg.tls.certFile, keyFile: cfg.tls.keyFile } } : {}),
        });
        js = jetstream(nc, { timeout: cfg.timeoutMs });
      }
      try {
        for (const e of batch) await js!.publish(natsSubject(cfg.subjectPrefix, e), envelopeJson(e), { msgID: e.eventId });
      } catch (err) {
        await reset();
        throw err;
      }
      return { rejected: 0 };
    },
    close: reset,
  };
}
