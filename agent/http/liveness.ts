/**
 * Event-loop liveness for /healthz: a heartbeat timer records when it last
 * ran. If timers stop firing for longer than `maxStallMs` (a hot loop, a
 * synchronous read stuck on a dead NFS mount), the agent is unhealthy and the
 * kubelet restarts it.
 */
export interface Liveness {
  start(): void;
  stop(): void;
  /** Undefined while healthy, else the reason. */
  check(): string | undefined;
}

export function createLiveness(opts: { intervalMs?: number; maxStallMs?: number; now?: () => number } = {}): Liveness {
  const intervalMs = opts.intervalMs ?? 1000;
  const maxStallMs = opts.maxStallMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let last = now();
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (timer) return;
      last = now();
      timer = setInterval(() => {
        last = now();
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    check() {
      const stall = now() - last;
      return stall > maxStallMs ? `event loop stalled: no heartbeat for ${stall} ms (limit ${maxStallMs} ms)` : undefined;
    },
  };
}
