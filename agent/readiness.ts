/**
 * What /readyz answers: ready once every registered check is done (every
 * component started and its first scan completed). Checks are registered
 * up front so a component that never starts keeps the agent not-ready.
 */
export interface Readiness {
  /** Registers a pending check and returns the function that marks it done. */
  add(name: string): () => void;
  /** Marks a check as failed with a reason (still not ready, but says why). */
  fail(name: string, reason: string): void;
  /**
   * Text shown with a check whatever its state (e.g. the rules a skip-mode
   * start dropped); '' clears it. A function is asked on every request, for
   * state that changes (the metadata sources going up and down).
   */
  detail(name: string, text: string | (() => string)): void;
  status(): ReadinessStatus;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Checks not done yet, with the reason when one failed. */
  readonly pending: readonly { readonly name: string; readonly reason?: string }[];
  /** Check name → detail, for checks that have one (absent when none has). */
  readonly details?: Readonly<Record<string, string>>;
}

export function createReadiness(): Readiness {
  const checks = new Map<string, { done: boolean; reason?: string }>();
  const details = new Map<string, string | (() => string)>();
  return {
    add(name) {
      checks.set(name, { done: false });
      return () => {
        checks.set(name, { done: true });
      };
    },
    fail(name, reason) {
      checks.set(name, { done: false, reason });
    },
    detail(name, text) {
      if (text === '') details.delete(name);
      else details.set(name, text);
    },
    status() {
      const pending = [...checks].filter(([, c]) => !c.done).map(([name, c]) => (c.reason ? { name, reason: c.reason } : { name }));
      const now = (d: string | (() => string)): string => {
        if (typeof d === 'string') return d;
        try {
          return d();
        } catch (err) {
          return `detail failed: ${(err as Error).message}`;
        }
      };
      return { ready: pending.length === 0, pending, ...(details.size > 0 ? { details: Object.fromEntries([...details].map(([k, d]) => [k, now(d)])) } : {}) };
    },
  };
}
