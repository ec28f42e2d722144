import type { ContainerInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import { containerFields, k8sFields } from './enrich.js';
import type { EventContext } from './context.js';

export function containerEvent(c: ContainerInfo, state: 'started' | 'stopped', ctx: EventContext): VigilEvent {
  const k8s = k8sFields(c);
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
