import { VigilError } from '../../core/errors.js';
import { rfc3339Nanos } from './formats/envelope-json.js';
import { DECODE_OPTIONS, EnvelopeType, type WireEnvelope } from './wire.js';

/**
 * How a COMPACT stream's alert becomes the full Alert again (the rules in
 * proto/vigil/v1/envelope.proto, AlertSchema). The agent renders every
 * alert with these same functions before leaving its output text out
 * (compact.ts), and receivers (`vigil tail`, the tests) render with them:
 * one definition on both ends.
 */

/** An output field value as the rendered text shows it: `<NA>` for null, decimal numbers, true/false. */
export function valueText(v: string | number | boolean | null): string {
  return v === null ? '<NA>' : String(v);
}

/** The output format's literals around the texts of the values it refers to. */
export interface OutputFormat {
  readonly literals: readonly string[];
  readonly refs: readonly number[];
}

/** Falco's output text: `<time of day>: <Priority> ` then the format rendered with the values. */
export function renderOutput(time: string, priorityText: string, format: OutputFormat, values: readonly (string | number | boolean | null)[]): string {
  let s = `${time.slice(11, 29)}: ${priorityText} ${format.literals[0] ?? ''}`;
  for (let i = 0; i < format.refs.length; i++) s += valueText(values[format.refs[i]!] ?? null) + format.literals[i + 1]!;
  return s;
}

/** Falco's alert `time` for an event time: RFC 3339, nanoseconds, UTC. */
export const alertTimeText = rfc3339Nanos;

/** A COMPACT stream did not follow the protocol (an alert before its schema, a malformed schema). */
export class CompactStreamError extends VigilError<'VIGIL_ERR_COMPACT_STREAM'> {
  constructor(message: string) {
    super('VIGIL_ERR_COMPACT_STREAM', message);
  }
}

type Obj = Record<string, unknown>;

interface Schema extends OutputFormat {
  readonly wire: Obj;
  readonly fieldNames: readonly string[];
}

/** A decoded Value as the JS value the agent had (ints arrive as decimal strings). */
function plainValue(v: Obj | undefined): string | number | boolean | null {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return String(v.stringValue);
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.boolValue !== undefined) return Boolean(v.boolValue);
  return null;
}

/** Reads one stream (COMPACT or FULL) in order; returns full envelopes. */
export interface CompactReader {
  /** The full envelope this decoded one stands for; undefined for a schema (kept for the alerts that follow). */
  read(env: WireEnvelope): WireEnvelope | undefined;
}

/**
 * Most schemas a reader keeps, the oldest sent going first: the agent sends
 * a schema again before using it once 4,096 others came since (compact.ts),
 * so keeping more than that is only a margin.
 */
const MAX_SCHEMAS = 8192;

/**
 * A reader for one stream: remembers node and boot id from the envelope that
 * set them, fills in the event id, keeps schemas and rebuilds each compact
 * alert into the Alert it stands for. The result goes through protobufjs
 * (fromObject, toObject) so it has exactly the shape decodeBatch gives a
 * FULL envelope. On a FULL stream every envelope passes unchanged.
 */
export function createCompactReader(): CompactReader {
  let node = '';
  let bootId = '';
  const schemas = new Map<number, Schema>();
  return {
    read(env) {
      if (env.node) node = env.node;
      if (env.bootId) bootId = env.bootId;
      if (env.payload === 'alertSchema') {
        const s = (env.alertSchema ?? {}) as Obj;
        const fieldNames = ((s.fieldNames as string[] | undefined) ?? []).map(String);
        const refs = ((s.outputRefs as number[] | undefined) ?? []).map(Number);
        const literals = ((s.outputLiterals as string[] | undefined) ?? []).map(String);
        if (refs.some((r) => !(r < fieldNames.length)) || (literals.length > 0 && literals.length !== refs.length + 1)) {
          throw new CompactStreamError(`schema ${String(s.id)}: output_refs do not fit field_names and output_literals`);
        }
        const id = Number(s.id ?? 0);
        // Delete first, so a schema sent again counts as newest (a Map keeps insertion order).
        schemas.delete(id);
        if (schemas.size >= MAX_SCHEMAS) schemas.delete(schemas.keys().next().value!);
        schemas.set(id, { wire: s, fieldNames, literals, refs });
        return undefined;
      }
      const full: Obj = { ...env, node: env.node || node, bootId: env.bootId || bootId };
      delete full.payload;
      if (!env.eventId && env.sequence) full.eventId = `${bootId}-${env.sequence}`;
      if (env.payload === 'compactAlert') {
        delete full.compactAlert;
        full.alert = expandAlert(env, schemas);
      }
      return EnvelopeType.toObject(EnvelopeType.fromObject(full), DECODE_OPTIONS) as WireEnvelope;
    },
  };
}

function expandAlert(env: WireEnvelope, schemas: ReadonlyMap<number, Schema>): Obj {
  const c = (env.compactAlert ?? {}) as Obj;
  const id = Number(c.schemaId ?? 0);
  const schema = schemas.get(id);
  if (schema === undefined) throw new CompactStreamError(`compact alert ${String(env.sequence)} refers to schema ${id}, which the stream has not sent`);
  const wireValues = (c.values as Obj[] | undefined) ?? [];
  if (wireValues.length !== schema.fieldNames.length) {
    throw new CompactStreamError(`compact alert ${String(env.sequence)}: ${wireValues.length} values for ${schema.fieldNames.length} fields of schema ${id}`);
  }
  const outputFields: Obj = {};
  for (let i = 0; i < schema.fieldNames.length; i++) outputFields[schema.fieldNames[i]!] = wireValues[i] ?? {};
  const time = c.time !== undefined ? String(c.time) : alertTimeText(BigInt(String(env.timeUnixNano ?? '0')));
  const s = schema.wire;
  const priorityText = String(s.priorityText ?? '');
  let output: string;
  if (c.output !== undefined) output = String(c.output);
  else if (schema.literals.length > 0) output = renderOutput(time, priorityText, schema, wireValues.map(plainValue));
  else throw new CompactStreamError(`compact alert ${String(env.sequence)}: schema ${id} has no output format and the alert no output text`);
  return {
    time,
    rule: s.rule,
    priority: s.priority,
    priorityText,
    output,
    outputFields,
    hostname: s.hostname,
    source: s.source,
    tags: s.tags,
  };
}
