import type { HttpOutputConfig } from '../output-config.js';
import { falcoAlertOf } from '../formats/falco-alert.js';
import type { PushSink } from '../push-output.js';
import { OutputRejectedError } from '../errors.js';
import { createHttpPoster } from './http-post.js';

/**
 * Falco's alert JSON, one POST per alert, as Falco's http_output sends it,
 * so a Falcosidekick (or anything that takes Falco's webhook) reads it
 * unchanged. The event id travels as `uuid`, as output field
 * `vigil.event_id` and in the X-Vigil-Event-Id header.
 */
export function createHttpSink(cfg: HttpOutputConfig): PushSink {
  const poster = createHttpPoster(cfg);
  return {
    async send(batch) {
      let rejected = 0;
      for (const e of batch) {
        try {
          await poster.post(JSON.stringify(falcoAlertOf(e)), { 'x-vigil-event-id': e.eventId });
        } catch (err) {
          if (!(err instanceof OutputRejectedError)) throw err;
          rejected++;
        }
      }
      return { rejected };
    },
    async close() {
      poster.close();
    },
  };
}
