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
   * An informational check: reported in /readyz under `checks` on every
   * request, never holding readiness back (e.g. the metadata sources: the
   * agent runs without the API, and says so here).
   */
  detail(name: string, check: () => { ok: boolean; detail: string }): void;
  status(): ReadinessStatus;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Checks not done yet, with the reason when one failed. */
  readonly pending: readonly { readonly name: string; readonly reason?: string }[];
  /** The informational checks, by name (absent while there are none). */
  readonly checks?: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>;
}

export function createReadiness(): Readiness {
  const checks = new Map<string, { done: boolean; reason?: string }>();
  const details = new Map<string, () => { ok: boolean; detail: string }>();
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
    detail(name, check) {
      details.set(name, check);
    },
    status() {
      const pending = [...checks].filter(([, c]) => !c.done).map(([name, c]) => (c.reason ? { name, reason: c.reason } : { name }));
      const out: Record<string, { ok: boolean; detail: string }> = {};
      for (const [name, check] of details) {
        try {
          out[name] = check();
        } catch (err) {
          out[name] = { ok: false, detail: `check failed: ${(err as Error).message}` };
        }
      }
      return details.size > 0 ? { ready: pending.length === 0, pending, checks: out } : { ready: pending.length === 0, pending };
    },
  };
}
