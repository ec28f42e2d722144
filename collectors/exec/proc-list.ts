import { readdirSync } from 'node:fs';

/**
 * The thread-group ids listed in a /proc directory. readdir of /proc lists
 * processes only (threads are reachable but hidden), so this is one syscall
 * batch and no file reads.
 */
export function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

export interface PidDiff {
  readonly added: number[];
  readonly removed: number[];
}

/**
 * The set of live pids known to the watcher. diff() marks every listed pid
 * with the current generation, so finding the vanished ones is one pass over
 * the map and no second set is built per poll.
 */
export class PidSet {
  private readonly gens = new Map<number, number>();
  private gen = 0;

  get size(): number {
    return this.gens.size;
  }

  has(pid: number): boolean {
    return this.gens.has(pid);
  }

  add(pid: number): void {
    this.gens.set(pid, this.gen);
  }

  delete(pid: number): boolean {
    return this.gens.delete(pid);
  }

  /** Replace the content with a listing, without reporting anything. */
  reset(pids: readonly number[]): void {
    this.gens.clear();
    this.gen = 0;
    for (const pid of pids) this.gens.set(pid, 0);
  }

  diff(pids: readonly number[]): PidDiff {
    const gen = ++this.gen;
    const added: number[] = [];
    for (const pid of pids) {
      if (!this.gens.has(pid)) added.push(pid);
      this.gens.set(pid, gen);
    }
    const removed: number[] = [];
    for (const [pid, g] of this.gens) {
      if (g !== gen) removed.push(pid);
    }
    for (const pid of removed) this.gens.delete(pid);
    return { added, removed };
  }
}
