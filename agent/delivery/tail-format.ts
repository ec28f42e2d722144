import { escapeControl } from '../outputs/escape.js';
import type { WireEnvelope } from './client.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** An alert's typed output field as text ('' when null or absent). */
function outputField(alert: Obj, name: string): string {
  const v = obj(obj(alert.outputFields)[name]);
  return str(v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
}

export interface TailColumns {
  readonly time: string;
  readonly priority: string;
  readonly what: string;
  readonly where: string;
  readonly process: string;
  readonly connection: string;
}

function timeOf(env: WireEnvelope): string {
  const ns = env.timeUnixNano ? BigInt(env.timeUnixNano) : 0n;
  if (ns === 0n) return '-';
  const d = new Date(Number(ns / 1_000_000n));
  return d.toISOString().slice(11, 23);
}

function podText(pod: Obj, container: Obj): string {
  const parts = [str(pod.namespace), str(pod.name), str(pod.containerName || container.name)];
  return parts.some(Boolean) ? parts.map((p) => p || '-').join('/') : 'host';
}

function processText(p: Obj): string {
  if (!p.name && !p.pid) return '';
  const args = Array.isArray(p.args) ? (p.args as unknown[]).map(str).join(' ') : '';
  return `${str(p.name)}[${str(p.pid)}]${args ? ` ${args}` : ''}`;
}

const ep = (e: Obj): string => (e.ip ? `${str(e.ip)}:${str(e.port)}` : '');

/** The columns of one envelope: time, priority, rule or kind, namespace/pod/container, process, connection. */
export function tailColumns(env: WireEnvelope): TailColumns {
  const time = timeOf(env);
  const kind = str(env.payload);
  const body = obj(env[kind]);
  if (kind === 'alert') {
    const ns = outputField(body, 'k8s.ns.name');
    const pod = outputField(body, 'k8s.pod.name');
    const cname = outputField(body, 'k8s.container.name') || outputField(body, 'container.name');
    const where = ns || pod ? `${ns || '-'}/${pod || '-'}/${cname || '-'}` : 'host';
    const procName = outputField(body, 'proc.name');
    const cmd = outputField(body, 'proc.cmdline');
    const pid = outputField(body, 'proc.pid');
    return {
      time,
      priority: str(body.priorityText) || '-',
      what: str(body.rule),
      where,
      process: cmd ? `${cmd}${pid ? ` [${pid}]` : ''}` : procName,
      connection: outputField(body, 'fd.name'),
    };
  }
  if (kind === 'loss') {
    return {
      time,
      priority: 'LOSS',
      what: `missed ${str(body.count)}`,
      where: `sequences ${str(body.firstSequence)}..${str(body.lastSequence)}`,
      process: str(body.reason),
      connection: '',
    };
  }
  let connection = '';
  if (kind === 'connection') connection = `${ep(obj(body.client))} -> ${ep(obj(body.server))} ${str(body.l4proto)}`.trim();
  if (kind === 'stdio') connection = `fd ${str(body.fd ?? 0)} -> ${str(body.remoteIp)}:${str(body.remotePort)}${body.relayName ? ` via ${str(body.relayName)}` : ''}`;
  if (kind === 'container')
    connection = str(body.state)
      .replace(/^STATE_/, '')
      .toLowerCase();
  if (kind === 'metric') connection = str(body.subject);
  return { time, priority: '-', what: kind, where: podText(obj(body.pod), obj(body.container)), process: processText(obj(body.process)), connection };
}

const COLOURS: Readonly<Record<string, string>> = {
  Emergency: '\x1b[1;31m',
  Alert: '\x1b[1;31m',
  Critical: '\x1b[31m',
  Error: '\x1b[31m',
  Warning: '\x1b[33m',
  Notice: '\x1b[36m',
  Informational: '\x1b[32m',
  Debug: '\x1b[90m',
  LOSS: '\x1b[1;35m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

const paint = (priority: string, text: string): string => {
  const colour = COLOURS[priority];
  return colour === undefined ? text : `${colour}${text}${RESET}`;
};

/** Fixed widths keep lines aligned; a longer value is cut with an ellipsis (the JSON form keeps everything). */
const WIDTH = { priority: 13, what: 28, where: 40, process: 48 } as const;

function fit(s: string, w: number): string {
  const chars = [...s];
  return chars.length > w ? `${chars.slice(0, w - 1).join('')}…` : s + ' '.repeat(w - chars.length);
}

/** One aligned line (no newline); every field escaped before it is measured or coloured. */
export function tailLine(env: WireEnvelope, colour: boolean): string {
  const c = tailColumns(env);
  const f = {
    priority: fit(escapeControl(c.priority), WIDTH.priority),
    what: fit(escapeControl(c.what), WIDTH.what),
    where: fit(escapeControl(c.where), WIDTH.where),
    process: fit(escapeControl(c.process), WIDTH.process),
    connection: escapeControl(c.connection),
  };
  const line = colour
    ? `${DIM}${c.time}${RESET} ${paint(c.priority, f.priority)} ${f.what} ${f.where} ${f.process} ${f.connection}`
    : `${c.time} ${f.priority} ${f.what} ${f.where} ${f.process} ${f.connection}`;
  return line.trimEnd();
}

/** One JSON line: JSON.stringify escapes every control character, so a value cannot end the line. */
export function tailJson(env: WireEnvelope): string {
  return JSON.stringify(env);
}
