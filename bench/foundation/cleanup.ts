/**
 * Everything the benchmark started, undone synchronously so it also runs
 * from a SIGINT/SIGTERM handler or after an exception: background process
 * groups, child daemons (agent, node_exporter) and containers.
 */
export class Cleanup {
  private readonly steps: { name: string; fn: () => void }[] = [];

  /** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
  add(name: string, fn: () => void): () => void {
    const step = { name, fn };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      this.safely(step);
    };
  }

  /** Runs every remaining step, newest first; never throws. */
  runAll(): void {
    while (this.steps.length > 0) this.safely(this.steps.pop()!);
  }

  private safely(step: { name: string; fn: () => void }): void {
    try {
      step.fn();
    } catch (err) {
      process.stderr.write(`bench cleanup: ${step.name}: ${(err as Error).message}\n`);
    }
  }
}

/** SIGTERM to a whole process group; a group that is already gone is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
