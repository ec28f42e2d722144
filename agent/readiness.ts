/**
 * What /readyz answers: `{status, checks: {name: {ok, detail}}}`, 200 when
 * every check is ok, else 503. "Ready" means the agent can detect, not
 * merely that it runs.
 *
 * Two kinds of check:
 * - start marks (`add`): one per component, folded into the `started`
 *   check; registered up front, so a component that never starts keeps the
 *   agent not ready, and `fail` says why;
 * - live checks (`check`): a function run at each /readyz (and at most that
 *   often), answering `{ok, detail}` from what the agent can see now. Any
 *   component adds its own: `readiness.check('my_thing', () => ({ ok, detail }))`.
 *   A check that throws or takes over CHECK_TIMEOUT_MS is not ok.
 * The agent's own checks (exec source, /proc access, rules loaded, outputs,
 * fd headroom, runtime) live in readiness-checks.ts.
 */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface Readiness {
  /** Registers a pending start mark and returns the function that marks it done. */
  add(name: string): () => void;
  /** Marks a start as failed with a reason (still not ready, but says why). */
  fail(name: string, reason: string): void;
  /** Adds a live check; returns the function that removes it. */
  check(name: string, fn: ReadinessCheck): () => void;
  /**
   * Text shown with a check whatever its state (e.g. the rules a skip-mode
   * start dropped); '' clears it. A function is asked on every request, for
   * state that changes (the metadata sources going up and down).
   */
  detail(name: string, text: string | (() => string)): void;
  /** Start marks only (cheap, synchronous): what the CLI logs after start. */
  status(): ReadinessStatus;
  /** Start marks and every live check, as /readyz answers. */
  evaluate(): Promise<ReadinessReport>;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** Components not started yet, with the reason when one failed. */
  readonly pending: readonly { readonly name: string; readonly reason?: string }[];
  /** Check name → detail, for checks that have one (absent when none has). */
  readonly details?: Readonly<Record<string, string>>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckResult>>;
  /** Start mark name → detail text (`detail()`), when any has one. */
  readonly details?: Readonly<Record<string, string>>;
}

const CHECK_TIMEOUT_MS = 2_000;

export function createReadiness(): Readiness {
  const marks = new Map<string, { done: boolean; reason?: string }>();
  const checks = new Map<string, ReadinessCheck>();
  const details = new Map<string, string | (() => string)>();
  const now = (d: string | (() => string)): string => {
    if (typeof d === 'string') return d;
    try {
      return d();
    } catch (err) {
      return `detail failed: ${(err as Error).message}`;
    }
  };
  const detailsField = (): { details?: Record<string, string> } => (details.size > 0 ? { details: Object.fromEntries([...details].map(([k, d]) => [k, now(d)])) } : {});
  const status = (): ReadinessStatus => {
    const pending = [...marks].filter(([, c]) => !c.done).map(([name, c]) => (c.reason ? { name, reason: c.reason } : { name }));
    return { ready: pending.length === 0, pending, ...detailsField() };
  };

  return {
    add(name) {
      marks.set(name, { done: false });
      return () => {
        marks.set(name, { done: true });
      };
    },
    fail(name, reason) {
      marks.set(name, { done: false, reason });
    },
    detail(name, text) {
      if (text === '') details.delete(name);
      else details.set(name, text);
    },
    check(name, fn) {
      checks.set(name, fn);
      return () => {
        if (checks.get(name) === fn) checks.delete(name);
      };
    },
    status,
    async evaluate() {
      const s = status();
      const started: CheckResult = s.ready
        ? { ok: true, detail: `${marks.size} components started` }
        : { ok: false, detail: `waiting for ${s.pending.map((p) => (p.reason ? `${p.name} (${p.reason})` : p.name)).join(', ')}` };
      const results = await Promise.all([...checks].map(async ([name, fn]) => [name, await runCheck(fn)] as const));
      const all: Record<string, CheckResult> = { started };
      for (const [name, r] of results) all[name] = r;
      return { ready: Object.values(all).every((c) => c.ok), checks: all, ...detailsField() };
    },
  };
}

async function runCheck(fn: ReadinessCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(fn),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `check did not answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
  } catch (err) {
    return { ok: false, detail: `check failed: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
