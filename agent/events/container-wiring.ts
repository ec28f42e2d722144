import type { ContainerInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import { containerEvent, isEnriched, lifecycleOnFirstSight } from './container-events.js';
import type { EventContext } from './context.js';
import type { EnrichmentHold } from './enrichment-hold.js';
import type { ContainersLike, Guard } from './sources.js';

/**
 * The container family: one `container` event when a container is first
 * known with its runtime's description (`running` when it predates the
 * agent, else `started`), `stopped` when it goes. A container the runtime
 * does not describe within `enrichmentWaitMs` (the runtime may be down) is
 * announced with what the cgroup told us rather than not at all. Events of
 * its processes held for enrichment are released as it is described.
 * Returns the unsubscribe.
 */
export function wireContainerEvents(containers: ContainersLike, hold: EnrichmentHold, emit: (e: VigilEvent) => void, ctx: EventContext, guard: Guard, enrichmentWaitMs: number): () => void {
  const announced = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const wiredAtMs = ctx.now();
  const forgetTimer = (id: string): void => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };
  const announce = (c: ContainerInfo): void => {
    if (announced.has(c.id)) return;
    announced.add(c.id);
    forgetTimer(c.id);
    emit(containerEvent(c, lifecycleOnFirstSight(c, wiredAtMs), ctx));
  };
  const unsubscribe = containers.onChange(
    guard('container', ({ kind, container }: { kind: 'added' | 'removed' | 'updated'; container: ContainerInfo }) => {
      if (kind === 'removed') {
        hold.removed(container.id);
        forgetTimer(container.id);
        if (announced.delete(container.id)) emit(containerEvent(container, 'stopped', ctx));
        return;
      }
      if (isEnriched(container)) {
        announce(container);
        hold.enriched(container);
      } else if (!timers.has(container.id) && !announced.has(container.id)) {
        const timer = setTimeout(
          guard('container', () => announce(containers.get(container.id) ?? container)),
          enrichmentWaitMs,
        );
        timer.unref();
        timers.set(container.id, timer);
      }
    }),
  );
  return () => {
    unsubscribe();
    for (const t of timers.values()) clearTimeout(t);
    hold.close();
  };
}
