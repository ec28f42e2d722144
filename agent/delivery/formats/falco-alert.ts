import type { Alert } from '../../../rules/alert.js';
import type { Envelope } from '../envelope.js';
import { rfc3339Nanos } from './envelope-json.js';

/** The rule name a loss notice travels under in alert-only formats (HTTP, syslog, Alertmanager). */
export const LOSS_RULE = 'Vigil Events Lost';
/** The output field that carries the event id in Falco's alert JSON. */
export const EVENT_ID_FIELD = 'vigil.event_id';

/**
 * Falco's alert JSON for an alert envelope, or a Falco-shaped alert saying
 * what was lost for a loss envelope, so alert-only receivers still see the
 * gap. The event id goes in `uuid` (Falco's own field) and in output_fields
 * as `vigil.event_id`: Falcosidekick replaces `uuid` with one of its own but
 * forwards output_fields untouched, so a retry stays recognisable downstream.
 */
export function falcoAlertOf(e: Envelope): Alert & { readonly uuid: string } {
  if (e.alert) return { ...e.alert, output_fields: { ...e.alert.output_fields, [EVENT_ID_FIELD]: e.eventId }, uuid: e.eventId };
  const loss = e.loss;
  const time = rfc3339Nanos(e.timeNs);
  const text = loss ? `${loss.count} events lost (sequences ${loss.firstSequence}-${loss.lastSequence}): ${loss.reason}` : `${e.kind} event`;
  return {
    uuid: e.eventId,
    time,
    rule: loss ? LOSS_RULE : e.kind,
    priority: loss ? 'Warning' : 'Informational',
    output: `${time.slice(11)}: ${loss ? 'Warning' : 'Informational'} ${text}`,
    output_fields: {
      ...(loss ? { 'vigil.loss.first': loss.firstSequence, 'vigil.loss.last': loss.lastSequence, 'vigil.loss.count': loss.count, 'vigil.loss.reason': loss.reason } : e.fields),
      [EVENT_ID_FIELD]: e.eventId,
    },
    hostname: e.node,
    source: 'vigil',
    tags: loss ? ['vigil', 'loss'] : ['vigil'],
  };
}
