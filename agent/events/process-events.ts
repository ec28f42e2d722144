import type { ProcessInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import { baseEvent, type EventContext } from './context.js';

export function execveEvent(p: ProcessInfo, ctx: EventContext): VigilEvent {
  return baseEvent(ctx, 'execve', p);
}

export function procexitEvent(p: ProcessInfo, ctx: EventContext): VigilEvent {
  return baseEvent(ctx, 'procexit', p);
}

/** Identity of a process: a pid alone is reused, pid + start time is not. */
export function processKey(p: Pick<ProcessInfo, 'pid' | 'startTicks'>): string {
  return `${p.pid}:${p.startTicks}`;
}

/** Whether a process's stdio could lead to the network, directly or through a relay. */
export function stdioMayReachNetwork(p: ProcessInfo): boolean {
  return p.stdio.some((t) => t.kind === 'socket' || t.kind === 'pipe' || t.kind === 'tty');
}
