import type { ContainerInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import { containerFields, k8sFields } from './enrich.js';
import type { EventContext } from './context.js';

export function containerEvent(c: ContainerInfo, state: 'started' | 'running' | 'stopped', ctx: EventContext): VigilEvent {
  const k8s = k8sFields(c, ctx.pod);
  return {
    type: 'container',
    source: 'syscall',
    timeMs: ctx.now(),
    hostname: ctx.hostname,
    container: { ...containerFields(c), state },
    ...(k8s ? { k8s } : {}),
  };
}

/** Enrichment has run when the runtime told us the name or image. */
export function isEnriched(c: ContainerInfo): boolean {
  return c.name !== undefined || c.image !== undefined;
}

/** Containers created this long before the agent started were already running (clock skew margin). */
const ALREADY_RUNNING_MARGIN_MS = 5_000;

/** `running` for a container the agent found at its start, else `started`. */
export function lifecycleOnFirstSight(c: ContainerInfo, agentStartMs: number): 'started' | 'running' {
  return c.startTimeSec !== undefined && c.startTimeSec * 1000 < agentStartMs - ALREADY_RUNNING_MARGIN_MS ? 'running' : 'started';
}
