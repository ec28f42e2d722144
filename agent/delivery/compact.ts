import type { Alert } from '../../rules/alert.js';
import type { OutputLayout } from '../../rules/index.js';
import { encodeAlertOrLoss, priorityNumber } from './alert-encoder.js';
import { alertTimeText, renderOutput, type OutputFormat } from './compact-render.js';
import type { Envelope } from './envelope.js';
import { begin, bytes, close, ensure, open, str, u64Fixed, uint, value, varint } from './proto-writer.js';
import { EnvelopeType, encodeBatch, frameEnvelopes, toWireObject } from './wire.js';

/**
 * The COMPACT encoding of a subscription (SubscribeRequest.encoding): what
 * repeats from alert to alert is sent once per stream. An alert's rule,
 * priority, hostname, source, tags, output field names and output format
 * become an AlertSchema (ids unique for this process, so one alert's compact
 * bytes are the same for every stream and encoded once); the alert itself
 * becomes the schema id and the field values. Nothing is left out unless the
 * receiver's rebuild (compact-render.ts) gives it back exactly: the output
 * text is rendered here with the receiver's renderer and sent whenever it
 * differs, and so is a time or event id that is not the derived one.
 */

interface Schema {
  readonly id: number;
  readonly rule: string;
  readonly priorityText: string;
  readonly hostname: string;
  readonly source: string;
  readonly tags: readonly string[];
  readonly fieldNames: readonly string[];
  /** Undefined when the rule's layout is unknown or does not fit the fields (the alerts then carry their text). */
  readonly format: OutputFormat | undefined;
  /** Its Envelope (alert_schema, sequence 0), ready to send. */
  readonly wire: Uint8Array;
}

/** Most schemas remembered; past it the table starts over (ids keep growing, so a stream just gets a new one). */
const MAX_SCHEMAS = 4096;
/** Schemas a stream remembers having sent; past it they are sent again on next use (the proto promises receivers this bound). */
const MAX_SENT_PER_STREAM = 4096;

const NO_LAYOUT: OutputLayout = { literals: [], keys: [] };
let schemasByLayout = new Map<OutputLayout, Schema[]>();
let schemaCount = 0;
let nextSchemaId = 1;

function sameFields(names: readonly string[], fields: Alert['output_fields']): boolean {
  let i = 0;
  for (const k in fields) if (names[i++] !== k) return false;
  return i === names.length;
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function schemaOf(a: Alert, layout: OutputLayout | undefined): Schema {
  const key = layout ?? NO_LAYOUT;
  let list = schemasByLayout.get(key);
  if (list !== undefined) {
    for (const s of list) {
      if (s.rule === a.rule && s.priorityText === a.priority && s.hostname === a.hostname && s.source === a.source && sameTags(s.tags, a.tags) && sameFields(s.fieldNames, a.output_fields)) {
        return s;
      }
    }
  }
  if (schemaCount >= MAX_SCHEMAS) {
    schemasByLayout = new Map();
    schemaCount = 0;
    list = undefined;
  }
  if (list === undefined) {
    list = [];
    schemasByLayout.set(key, list);
  }
  const fieldNames = Object.keys(a.output_fields);
  const refs = layout?.keys.map((k) => fieldNames.indexOf(k));
  const format = layout !== undefined && refs !== undefined && !refs.includes(-1) ? { literals: layout.literals, refs } : undefined;
  const id = nextSchemaId++;
  const s: Schema = { id, rule: a.rule, priorityText: a.priority, hostname: a.hostname, source: a.source, tags: a.tags.slice(), fieldNames, format, wire: schemaWire(id, a, fieldNames, format) };
  list.push(s);
  schemaCount++;
  return s;
}

function schemaWire(id: number, a: Alert, fieldNames: readonly string[], format: OutputFormat | undefined): Uint8Array {
  begin();
  const at = open(18);
  uint(1, id);
  str(2, a.rule);
  uint(3, priorityNumber(a.priority));
  str(4, a.priority);
  str(5, a.hostname);
  str(6, a.source);
  for (const t of a.tags) str(7, t, true);
  for (const n of fieldNames) str(8, n, true);
  if (format !== undefined) {
    for (const l of format.literals) str(9, l, true);
    if (format.refs.length > 0) {
      ensure(6 + format.refs.length * 5);
      const refs = open(10); // packed
      for (const r of format.refs) varint(r);
      close(refs);
    }
  }
  close(at);
  return bytes();
}

/** What an envelope's COMPACT form is: its bytes, and the schema they need first (alerts). */
interface CompactMemo {
  compactWire?: Uint8Array;
  compactSchema?: unknown;
}

const values: (string | number | boolean | null)[] = [];

function compactAlert(env: Envelope, a: Alert, s: Schema): Uint8Array {
  const eventId = `${env.bootId}-${env.sequence}`;
  const time = alertTimeText(env.timeNs);
  values.length = 0;
  for (const k in a.output_fields) values.push(a.output_fields[k]!);
  const textFits = time === a.time && s.format !== undefined && renderOutput(time, a.priority, s.format, values) === a.output;
  begin();
  uint(3, env.sequence);
  u64Fixed(4, env.timeNs);
  if (env.eventId !== eventId) str(5, env.eventId);
  const at = open(19);
  uint(1, s.id);
  for (const v of values) {
    // Every value is written, even an unset one (an empty Value): positions must hold.
    const val = open(2);
    value(v);
    close(val);
  }
  if (!textFits) str(3, a.output, true);
  if (time !== a.time) str(4, a.time, true);
  close(at);
  return bytes();
}

/** An event or loss envelope without what the stream already said (node, boot id, a derivable event id). */
function compactOther(env: Envelope): Uint8Array {
  const derived = env.eventId === `${env.bootId}-${env.sequence}`;
  if (derived) {
    const direct = encodeAlertOrLoss(env, false);
    if (direct !== undefined) return direct;
  }
  const m = toWireObject(env);
  delete m.node;
  delete m.bootId;
  if (derived) delete m.eventId;
  return EnvelopeType.encode(m).finish();
}

/** The envelope's COMPACT bytes and the schema they refer to, encoded once per envelope (memoized like encodeEnvelope). */
function compactOf(env: Envelope): { wire: Uint8Array; schema: Schema | undefined } {
  const memo = env as Envelope & CompactMemo;
  if (memo.compactWire !== undefined) return { wire: memo.compactWire, schema: memo.compactSchema as Schema | undefined };
  let wire: Uint8Array;
  let schema: Schema | undefined;
  if (env.kind === 'alert' && env.alert !== undefined) {
    schema = schemaOf(env.alert, env.outputLayout);
    wire = compactAlert(env, env.alert, schema);
  } else wire = compactOther(env);
  if ('compactWire' in memo) {
    memo.compactWire = wire;
    memo.compactSchema = schema;
  }
  return { wire, schema };
}

/** Node and boot id as Envelope fields, prepended to the envelope that first needs them (fields may come in any order). */
function streamFields(node: string, bootId: string): Uint8Array {
  begin();
  str(1, node);
  str(2, bootId);
  return bytes();
}

/** Turns a subscriber's batches into SubscribeResponse bytes; COMPACT keeps per-stream state, so one per stream. */
export type StreamEncoder = (batch: readonly Envelope[]) => Buffer;

/** FULL: every envelope complete in itself (the memoized bytes every FULL stream shares). */
export function fullEncoder(): StreamEncoder {
  return encodeBatch;
}

/**
 * COMPACT, for one stream: node and boot id on the first envelope (and again
 * should they change), each schema before its first alert on this stream.
 */
export function compactEncoder(): StreamEncoder {
  let node: string | undefined;
  let bootId: string | undefined;
  const sent = new Set<number>();
  return (batch) => {
    const parts: Uint8Array[] = [];
    for (const env of batch) {
      const c = compactOf(env);
      const first = parts.length;
      if (c.schema !== undefined && !sent.has(c.schema.id)) {
        if (sent.size >= MAX_SENT_PER_STREAM) sent.clear();
        sent.add(c.schema.id);
        parts.push(c.schema.wire);
      }
      parts.push(c.wire);
      if (env.node !== node || env.bootId !== bootId) {
        // The stream's first message (its schema, if it needs one) says which agent boot this is.
        node = env.node;
        bootId = env.bootId;
        const head = streamFields(node, bootId);
        const body = parts[first]!;
        const joined = new Uint8Array(head.length + body.length);
        joined.set(head);
        joined.set(body, head.length);
        parts[first] = joined;
      }
    }
    return frameEnvelopes(parts);
  };
}

/** The COMPACT or FULL stream encoder (SubscribeRequest.encoding: 1 is COMPACT). */
export function streamEncoder(encoding: number | undefined): StreamEncoder {
  return encoding === 1 ? compactEncoder() : fullEncoder();
}
