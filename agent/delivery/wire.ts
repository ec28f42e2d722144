import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { Alert } from '../../rules/alert.js';
import type { ContainerFields, K8sFields, ProcFields, VigilEvent } from '../../rules/event.js';
import { packageRoot } from '../package-root.js';
import type { Envelope, EnvelopeKind } from './envelope.js';
import { encodeAlertOrLoss, priorityNumber } from './alert-encoder.js';

/**
 * proto/vigil/v1 loaded with protobufjs when this module is first imported
 * (no generated code: the .proto files are the one source of truth, and the
 * same files feed server reflection; see docs/delivery.md).
 */
export const PROTO_DIR = join(packageRoot(), 'proto');
export const SERVICE_PROTO = 'vigil/v1/events_service.proto';
export const SUBSCRIBE_PATH = '/vigil.v1.EventService/Subscribe';

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
root.loadSync(SERVICE_PROTO);
root.resolveAll();

export const EnvelopeType = root.lookupType('vigil.v1.Envelope');
export const SubscribeRequestType = root.lookupType('vigil.v1.SubscribeRequest');
export const SubscribeResponseType = root.lookupType('vigil.v1.SubscribeResponse');
const KindEnum = root.lookupEnum('vigil.v1.Kind');

/** The in-process kind of a Kind enum value (undefined for KIND_UNSPECIFIED and unknown values). */
export function kindOfValue(value: number): EnvelopeKind | undefined {
  const name = KindEnum.valuesById[value];
  return name && name !== 'KIND_UNSPECIFIED' ? (name.slice(5).toLowerCase() as EnvelopeKind) : undefined;
}

type Obj = Record<string, unknown>;

/** A 64-bit unsigned value as protobufjs's LongBits-compatible {low, high}. */
function u64(v: bigint): { low: number; high: number; unsigned: true } {
  return { low: Number(v & 0xffffffffn), high: Number((v >> 32n) & 0xffffffffn), unsigned: true };
}

function proc(p: ProcFields | undefined): Obj | undefined {
  if (p === undefined) return undefined;
  return {
    pid: p.pid,
    ppid: p.ppid ?? 0,
    vpid: p.vpid ?? 0,
    name: p.name,
    exe: p.exe ?? '',
    exepath: p.exepath ?? '',
    args: p.args ?? [],
    cwd: p.cwd ?? '',
    uid: p.uid,
    user: p.user ?? '',
    tty: p.tty ?? 0,
    startTimeUnixNano: p.startTimeMs === undefined ? 0 : u64(BigInt(Math.trunc(p.startTimeMs)) * 1_000_000n),
    exeFromUpperLayer: p.isExeUpperLayer === true,
    parentName: p.ancestors?.[0]?.name ?? '',
    partial: p.partial === true,
  };
}

function container(c: ContainerFields | undefined): Obj | undefined {
  if (c === undefined) return undefined;
  return { id: c.id, name: c.name ?? '', image: c.image ?? '', runtime: c.runtime ?? '', privileged: c.privileged === true };
}

function pod(k: K8sFields | undefined): Obj | undefined {
  if (k === undefined) return undefined;
  return {
    namespace: k.ns,
    name: k.podName,
    uid: k.podUid ?? '',
    containerName: k.containerName ?? '',
    workloadKind: k.workloadKind ?? '',
    workloadName: k.workloadName ?? '',
  };
}

/** The pod an identity `namespace/Kind/workload/container` names (no pod name: only the workload is known). */
function podOfIdentity(identity: string | undefined): Obj | undefined {
  const parts = identity?.split('/');
  if (parts?.length !== 4) return undefined;
  return { namespace: parts[0], workloadKind: parts[1], workloadName: parts[2], containerName: parts[3] };
}

const DIRECTION = { connect: 1, accept: 2, listen: 3 } as const;

function connection(e: VigilEvent): Obj {
  const fd = e.fd;
  const local = pod(e.k8s);
  const out = e.type === 'connect' || fd?.direction === 'out';
  const client: Obj = { ip: fd?.cip ?? '', port: fd?.cport ?? 0, identity: e.edge?.src ?? '', pod: out ? local : podOfIdentity(e.edge?.src) };
  const server: Obj = { ip: fd?.sip ?? '', port: fd?.sport ?? 0, identity: e.edge?.dst ?? '', pod: out ? podOfIdentity(e.edge?.dst) : local };
  return {
    direction: DIRECTION[e.type as keyof typeof DIRECTION] ?? 0,
    l4proto: fd?.l4proto ?? '',
    client,
    server,
    process: proc(e.proc),
    container: container(e.container),
    pod: local,
    netns: fd?.netns ?? 0,
    edge: e.edge?.key ?? '',
    edgeLearning: e.edge?.learning === true,
    edgeNew: e.edge?.isNew === true,
    external: e.edge?.external === true,
  };
}

function stdio(e: VigilEvent): Obj {
  const fd = e.fd;
  return {
    process: proc(e.proc),
    fd: e.rawres ?? fd?.num ?? 0,
    l4proto: fd?.l4proto ?? '',
    localIp: fd?.lip ?? '',
    localPort: fd?.lport ?? 0,
    remoteIp: fd?.rip ?? '',
    remotePort: fd?.rport ?? 0,
    relayPid: fd?.relayPid ?? 0,
    relayName: fd?.relayName ?? '',
    container: container(e.container),
    pod: pod(e.k8s),
  };
}

const CONTAINER_STATE = { started: 1, running: 2, stopped: 3 } as const;

function alert(a: Alert): Obj {
  const fields: Record<string, Obj> = {};
  for (const [k, v] of Object.entries(a.output_fields)) fields[k] = typedValue(v);
  return {
    time: a.time,
    rule: a.rule,
    priority: priorityNumber(a.priority),
    priorityText: a.priority,
    output: a.output,
    outputFields: fields,
    hostname: a.hostname,
    source: a.source,
    tags: a.tags,
  };
}

function typedValue(v: string | number | boolean | null): Obj {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isSafeInteger(v) ? { intValue: v } : { doubleValue: v };
}

/** The protobufjs message object of an envelope (payload built from its event, alert or loss). */
export function toWireObject(env: Envelope): Obj {
  const m: Obj = {
    node: env.node,
    bootId: env.bootId,
    sequence: env.sequence,
    timeUnixNano: u64(env.timeNs),
    eventId: env.eventId,
  };
  const e = env.event;
  switch (env.kind) {
    case 'alert':
      if (env.alert) m.alert = alert(env.alert);
      break;
    case 'loss':
      if (env.loss) m.loss = { ...env.loss };
      break;
    case 'exec':
      m.exec = { process: proc(e?.proc), container: container(e?.container), pod: pod(e?.k8s) };
      break;
    case 'exit':
      m.exit = { process: proc(e?.proc), container: container(e?.container), pod: pod(e?.k8s) };
      break;
    case 'connection':
      m.connection = e ? connection(e) : {};
      break;
    case 'stdio':
      m.stdio = e ? stdio(e) : {};
      break;
    case 'container':
      m.container = { state: CONTAINER_STATE[e?.container?.state ?? 'running'] ?? 0, container: container(e?.container), pod: pod(e?.k8s) };
      break;
    case 'metric':
      m.metric = {
        subject: e?.metric?.subject ?? '',
        values: { ...e?.metric?.values },
        labels: { ...e?.metric?.labels },
        container: container(e?.container),
        pod: pod(e?.k8s),
      };
      break;
  }
  return m;
}

/**
 * Envelopes that keep their own bytes (the hub's do: a `wire` slot). A
 * WeakMap did the same job but cost the collector dearly: ephemeron tables
 * with one entry per envelope in flight showed as a third of delivery's CPU.
 */
interface WireMemo {
  wire?: Uint8Array;
}

/** The envelope's protobuf bytes (encoded once per envelope, however many subscribers send it): alerts and loss notices by the direct encoder, events by protobufjs. */
export function encodeEnvelope(env: Envelope): Uint8Array {
  const memo = env as Envelope & WireMemo;
  if (memo.wire !== undefined) return memo.wire;
  const b = encodeAlertOrLoss(env) ?? EnvelopeType.encode(toWireObject(env)).finish();
  if ('wire' in memo) memo.wire = b;
  return b;
}

/**
 * A SubscribeResponse holding these envelopes, built from their memoized
 * bytes: a repeated message field is each element's bytes behind its tag
 * and length, so nothing is encoded twice.
 */
export function encodeBatch(envs: readonly Envelope[]): Buffer {
  return frameEnvelopes(envs.map(encodeEnvelope));
}

/** A SubscribeResponse of already encoded Envelopes. */
export function frameEnvelopes(parts: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const b of parts) size += 1 + varintSize(b.length) + b.length;
  const out = Buffer.allocUnsafe(size);
  let p = 0;
  for (const b of parts) {
    out[p++] = 0x0a; // field 1, length-delimited
    let n = b.length;
    while (n >= 0x80) {
      out[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[p++] = n;
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** A decoded envelope: 64-bit numbers as decimal strings, enums by name, `payload` names the oneof that is set. */
export type WireEnvelope = Record<string, unknown> & {
  node?: string;
  bootId?: string;
  sequence?: string;
  eventId?: string;
  timeUnixNano?: string;
  payload?: string;
};

/** How decodeBatch turns messages into plain objects (the compact reader normalizes with the same). */
export const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, oneofs: true, defaults: false, arrays: true };

/** Decoded envelopes as plain objects: 64-bit numbers as strings, enums by name, oneof names in `payload`. */
export function decodeBatch(buf: Uint8Array): WireEnvelope[] {
  const msg = SubscribeResponseType.decode(buf);
  const o = SubscribeResponseType.toObject(msg, DECODE_OPTIONS) as { envelopes: WireEnvelope[] };
  return o.envelopes;
}
