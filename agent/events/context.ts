import type { ContainerInfo, ProcessInfo, SocketInfo } from '../../collectors/model.js';
import type { EventType, VigilEvent } from '../../rules/event.js';
import { containerFields, k8sFields, procFields, type PodLookup } from './enrich.js';

/** What the event builders look things up in; the agent backs it with the live tables. */
export interface EventContext {
  readonly hostname: string;
  readonly procRoot: string;
  now(): number;
  process(pid: number): ProcessInfo | undefined;
  container(id: string): ContainerInfo | undefined;
  /** The container whose network namespace this is, for sockets whose owner is gone. */
  containerOfNetns(netns: number): string | undefined;
  socketByInode(inode: number): SocketInfo | undefined;
  socketsInNetns(netns: number): Iterable<SocketInfo>;
  /** This node's pods from the Kubernetes API (absent without an API). */
  readonly pod?: PodLookup;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The parts every syscall-source event shares: time, host, process, container, pod. */
export function baseEvent(ctx: EventContext, type: EventType, p: ProcessInfo | undefined, containerId?: string): Mutable<VigilEvent> {
  const event: Mutable<VigilEvent> = { type, source: 'syscall', timeMs: ctx.now(), hostname: ctx.hostname };
  if (p) event.proc = procFields(p, ctx.process);
  const id = p?.containerId ?? containerId;
  const c = id !== undefined ? ctx.container(id) : undefined;
  if (c) {
    event.container = containerFields(c);
    const k8s = k8sFields(c, ctx.pod);
    if (k8s) event.k8s = k8s;
  } else if (id !== undefined) {
    // Seen in the process's cgroup before the container collector caught up:
    // the id is still known and rules keyed on `container` must still match.
    event.container = { id };
  }
  return event;
}
