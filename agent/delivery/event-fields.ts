import { bindField, type BoundField } from '../../rules/fields/index.js';
import type { EventType, VigilEvent } from '../../rules/event.js';

const COMMON = ['evt.type', 'evt.time', 'container.id', 'container.name', 'container.image', 'k8s.ns.name', 'k8s.pod.name'];
const PROC = ['proc.pid', 'proc.ppid', 'proc.name', 'proc.exe', 'proc.exepath', 'proc.cmdline', 'proc.cwd', 'proc.pname', 'user.uid', 'user.name', 'proc.tty'];
const FD = ['fd.type', 'fd.l4proto', 'fd.cip', 'fd.cport', 'fd.sip', 'fd.sport', 'fd.lip', 'fd.lport', 'fd.rip', 'fd.rport', 'fd.name'];

/** The Falco fields an envelope of each event type lists, in this order. */
const FIELDS_BY_TYPE: Readonly<Partial<Record<EventType, readonly string[]>>> = {
  execve: [...COMMON, ...PROC],
  procexit: [...COMMON, ...PROC],
  execveat: [...COMMON, ...PROC],
  connect: [...COMMON, ...PROC, ...FD, 'edge.src', 'edge.dst', 'edge.new', 'evt.res'],
  accept: [...COMMON, ...PROC, ...FD, 'edge.src', 'edge.dst', 'edge.new', 'evt.res'],
  accept4: [...COMMON, ...PROC, ...FD, 'edge.src', 'edge.dst', 'edge.new', 'evt.res'],
  listen: [...COMMON, ...PROC, ...FD],
  dup: [...COMMON, ...PROC, ...FD, 'evt.rawres', 'fd.relay.name'],
  container: [...COMMON, 'container.state', 'container.privileged'],
  metric: [...COMMON, 'metric.subject'],
};

let bound: Map<EventType, readonly [string, BoundField][]> | undefined;

function bind(): Map<EventType, readonly [string, BoundField][]> {
  const out = new Map<EventType, readonly [string, BoundField][]>();
  for (const [type, names] of Object.entries(FIELDS_BY_TYPE) as [EventType, readonly string[]][]) {
    const list: [string, BoundField][] = [];
    for (const name of names) {
      const b = bindField(name);
      // A field the registry does not have (renamed upstream) is left out, not fatal.
      if (typeof b !== 'string') list.push([name, b]);
    }
    out.set(type, list);
  }
  return out;
}

/**
 * An event's main fields by Falco name, as the rule language reads them
 * (the same getters rules use, so a value means the same in both); unknown
 * values are null, as in Falco's output_fields.
 */
export function eventFieldValues(e: VigilEvent): Record<string, string | number | boolean | null> {
  bound ??= bind();
  const out: Record<string, string | number | boolean | null> = {};
  for (const [name, f] of bound.get(e.type) ?? []) {
    const v = f.get(e);
    out[name] = v === undefined ? null : Array.isArray(v) ? v.join(' ') : (v as string | number | boolean);
  }
  return out;
}
