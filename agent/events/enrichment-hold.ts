import type { ContainerInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import { containerFields, k8sFields, type PodLookup } from './enrich.js';

/** enriched: released with the metadata; gave_up: sent as they were after the wait (or past the per-container cap). */
export type HoldOutcome = 'enriched' | 'gave_up';

/** Events held per container at most; past it they go out unenriched rather than pile up. */
const MAX_HELD_PER_CONTAINER = 1_000;

/**
 * A container's first processes run before the runtime has told us its name,
 * image and pod: a reverse shell started with the container would otherwise
 * alert with `k8s.pod.name=<NA>` and slip past every rule scoped to a
 * namespace. Events of a container that is not enriched yet are held (in
 * order) until enrichment arrives or `waitMs` passes. A container whose wait
 * ran out once (no runtime, or one vigil cannot ask) is never held again.
 */
export class EnrichmentHold {
  private readonly held = new Map<string, { events: VigilEvent[]; timer: NodeJS.Timeout }>();
  private readonly unenrichable = new Set<string>();

  constructor(
    private readonly emit: (e: VigilEvent) => void,
    private readonly waitMs: number,
    private readonly pods?: PodLookup,
    /** Counts held events by how they left (vigil_metadata_hold_total{outcome}). */
    private readonly counted?: (outcome: HoldOutcome, events: number) => void,
  ) {}

  push(e: VigilEvent): void {
    const id = e.container?.id;
    const waiting = id !== undefined ? this.held.get(id) : undefined;
    if (waiting && waiting.events.length < MAX_HELD_PER_CONTAINER) {
      waiting.events.push(e);
      return;
    }
    if (waiting) this.counted?.('gave_up', 1);
    if (id === undefined || e.type === 'container' || isEnrichedEvent(e) || this.unenrichable.has(id) || waiting) {
      this.emit(e);
      return;
    }
    const timer = setTimeout(() => this.release(id, undefined), this.waitMs);
    timer.unref();
    this.held.set(id, { events: [e], timer });
  }

  /** The runtime described the container: its held events go out with its name, image and pod. */
  enriched(c: ContainerInfo): void {
    this.unenrichable.delete(c.id);
    if (this.held.has(c.id)) this.release(c.id, c);
  }

  removed(id: string): void {
    if (this.held.has(id)) this.release(id, undefined);
    this.unenrichable.delete(id);
  }

  close(): void {
    for (const id of [...this.held.keys()]) this.release(id, undefined);
  }

  private release(id: string, c: ContainerInfo | undefined): void {
    const entry = this.held.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.held.delete(id);
    if (!c) this.unenrichable.add(id);
    this.counted?.(c ? 'enriched' : 'gave_up', entry.events.length);
    for (const e of entry.events) this.emit(c ? withContainer(e, c, this.pods) : e);
  }
}

function isEnrichedEvent(e: VigilEvent): boolean {
  return e.container?.name !== undefined || e.container?.image !== undefined;
}

function withContainer(e: VigilEvent, c: ContainerInfo, pods: PodLookup | undefined): VigilEvent {
  const k8s = k8sFields(c, pods);
  return { ...e, container: containerFields(c), ...(k8s ? { k8s } : {}) };
}
