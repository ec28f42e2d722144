import type { VigilEvent } from '../../rules/event.js';

/** Events held per peer container at most; past that they go out with the address name. */
const MAX_HELD_PER_PEER = 1_000;

/**
 * Two pods started and connected within a second: the accepting side sees
 * the client's address before the runtime has described the client's
 * container, and would name it `ip:<addr>` while the client names itself by
 * its workload: one connection, two edges. A connect/accept whose peer is a
 * local pod not described yet is held (per peer container, in order) until
 * it is, or `waitMs` passes (the same wait as the enrichment hold).
 */
export class PeerNameHold {
  private readonly held = new Map<string, { events: VigilEvent[]; timer: NodeJS.Timeout }>();
  /** Peers whose wait ran out once: not held again (no runtime to describe them). */
  private readonly gaveUp = new Set<string>();

  constructor(
    private readonly emit: (e: VigilEvent) => void,
    private readonly waitMs: number,
    /** The local container the event's peer belongs to, when it has no name yet. */
    private readonly unnamedPeer: (e: VigilEvent) => string | undefined,
  ) {}

  push(e: VigilEvent): void {
    const id = e.type === 'connect' || e.type === 'accept' || e.type === 'accept4' ? this.unnamedPeer(e) : undefined;
    if (id === undefined || this.gaveUp.has(id)) {
      this.emit(e);
      return;
    }
    const waiting = this.held.get(id);
    if (waiting) {
      if (waiting.events.length < MAX_HELD_PER_PEER) waiting.events.push(e);
      else this.emit(e);
      return;
    }
    const timer = setTimeout(() => this.release(id, true), this.waitMs);
    timer.unref();
    this.held.set(id, { events: [e], timer });
  }

  /** The runtime described (or removed) the container: events waiting on it go out. */
  described(id: string): void {
    this.gaveUp.delete(id);
    this.release(id, false);
  }

  close(): void {
    for (const id of [...this.held.keys()]) this.release(id, false);
  }

  private release(id: string, timedOut: boolean): void {
    const entry = this.held.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.held.delete(id);
    if (timedOut) this.gaveUp.add(id);
    for (const e of entry.events) this.emit(e);
  }
}
