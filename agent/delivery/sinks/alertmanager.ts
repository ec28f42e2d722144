import type { AlertmanagerOutputConfig } from '../output-config.js';
import { outputText } from '../../outputs/alert.js';
import type { Envelope } from '../envelope.js';
import { falcoAlertOf } from '../formats/falco-alert.js';
import type { PushSink } from '../push-output.js';
import { OutputRejectedError } from '../errors.js';
import { createHttpPoster } from './http-post.js';

/**
 * Alertmanager's v2 API (POST /api/v2/alerts). Labels identify the alert
 * (rule, priority, namespace, pod, node): Alertmanager folds repeats of the
 * same labels into one alert. Each post sets endsAt a quiet period ahead,
 * so an alert not raised again resolves by itself; a repeat moves it on.
 */
export function alertmanagerAlert(e: Envelope, resolveAfterMs: number, now = Date.now()): Record<string, unknown> {
  const a = falcoAlertOf(e);
  const f = a.output_fields;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const labels = Object.fromEntries(
    Object.entries({
      alertname: a.rule,
      priority: a.priority,
      namespace: str(f['k8s.ns.name']),
      pod: str(f['k8s.pod.name']),
      node: a.hostname,
      source: 'vigil',
    }).filter(([, v]) => v !== undefined && v !== ''),
  );
  return {
    labels,
    annotations: { summary: outputText(a), event_id: e.eventId, output_fields: JSON.stringify(f) },
    startsAt: a.time,
    endsAt: new Date(now + resolveAfterMs).toISOString(),
  };
}

export function createAlertmanagerSink(cfg: AlertmanagerOutputConfig): PushSink {
  const poster = createHttpPoster({ ...cfg, url: new URL('api/v2/alerts', cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`).toString() });
  return {
    async send(batch) {
      try {
        await poster.post(JSON.stringify(batch.map((e) => alertmanagerAlert(e, cfg.resolveAfterMs))));
        return { rejected: 0 };
      } catch (err) {
        if (err instanceof OutputRejectedError) return { rejected: batch.length };
        throw err;
      }
    },
    async close() {
      poster.close();
    },
  };
}
