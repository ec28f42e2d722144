import type { Counter, Registry } from 'prom-client';
import type { Alert } from '../alert.js';
import { emptyRuleSet, newTypeCounts } from '../compiler/index.js';
import type { CompiledRule, HitFn, MissFn, OutputLayout, RuleSet, TypeCounts } from '../compiler/index.js';
import type { VigilEvent } from '../event.js';
import { rfc3339Nano, timeOfDay } from '../fields/index.js';
import { counter, gauge } from '../../core/metrics.js';

export interface RuleEngine {
  process(event: VigilEvent): void;
  swap(ruleSet: RuleSet): void;
  readonly ruleSet: RuleSet;
  /** Rule conditions evaluated so far (what the evt.type index saves shows here). */
  readonly evaluations: number;
}

export interface RuleEngineDeps {
  readonly registry: Registry;
  readonly hostname: string;
}

// Above this many keys, expired throttle windows are swept on the next alert.
const THROTTLE_SWEEP_AT = 10_000;

/** for: key: the metric subject and its labels (one filesystem, one container). */
function forKey(e: VigilEvent): string {
  const m = e.metric;
  let k: string = m?.subject ?? e.type;
  const labels = m?.labels;
  if (labels !== undefined) for (const name of Object.keys(labels).sort()) k += `|${name}=${labels[name]}`;
  if (e.container !== undefined) k += `|container=${e.container.id}`;
  return k;
}

/**
 * Dispatches each event to the rules its source and evt.type can match (the
 * rule set's index), evaluates their precompiled conditions and builds an
 * alert only for a match. Per event it allocates nothing unless a rule
 * matches: no closures, no strings (metrics events with `for:` rules build
 * their key).
 */
/**
 * `onAlert` also receives the event that raised the alert (delivery filters
 * evaluate conditions on it) and the rule's output layout (compact delivery
 * sends it once instead of the output text of every alert).
 */
export function createRuleEngine(deps: RuleEngineDeps, onAlert: (a: Alert, event: VigilEvent, layout: OutputLayout) => void): RuleEngine {
  // Counted in a fixed-shape object on the hot path (the rule set's generated
  // dispatcher increments it), handed to prom-client at scrape time.
  const typeCounts: TypeCounts = newTypeCounts();
  let otherCounts = new Map<string, number>();
  const countOther = (type: string): void => {
    otherCounts.set(type, (otherCounts.get(type) ?? 0) + 1);
  };
  const eventsTotal = counter(deps.registry, {
    name: 'vigil_events_total',
    help: 'Events seen by the rule engine, by evt.type.',
    labelNames: ['type'],
    collect: function flush(this: Counter<'type'>) {
      for (const type of Object.keys(typeCounts) as (keyof TypeCounts)[]) {
        const n = typeCounts[type];
        if (n > 0) {
          this.inc({ type }, n);
          typeCounts[type] = 0;
        }
      }
      const other = otherCounts;
      otherCounts = new Map();
      for (const [type, n] of other) this.inc({ type }, n);
    },
  });
  void eventsTotal;
  const alertsTotal = counter(deps.registry, { name: 'vigil_alerts_total', help: 'Alerts raised, by rule and priority.', labelNames: ['rule', 'priority'] });
  const suppressedTotal = counter(deps.registry, { name: 'vigil_alerts_suppressed_total', help: 'Alerts suppressed by a rule throttle, by rule.', labelNames: ['rule'] });
  const rulesLoaded = gauge(deps.registry, {
    name: 'vigil_rules_loaded',
    help: 'Rules of the running rule set by source and state (active, disabled_missing_fields, disabled_never_fires, disabled_by_file, dropped).',
    labelNames: ['source', 'state'],
  });

  let ruleSet: RuleSet = emptyRuleSet();
  // An object field, not a `let`: past 2^30 a number in a closure variable is
  // re-boxed on every +=, a double field is updated in place.
  const stats = { evaluations: 0 };

  function setLoadedGauge(rs: RuleSet): void {
    rulesLoaded.reset();
    const counts = new Map<string, number>();
    for (const r of rs.summary) {
      const k = `${r.source}\u0000${r.state}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, n] of counts) {
      const [source, state] = k.split('\u0000') as [string, string];
      rulesLoaded.set({ source, state }, n);
    }
  }

  /** Returns false while a `for:` rule's condition has not held long enough (or already fired this episode). */
  function holds(r: CompiledRule, e: VigilEvent, forMs: number): boolean {
    const key = forKey(e);
    const st = r.state.pending.get(key);
    if (st === undefined) {
      r.state.pending.set(key, { since: e.timeMs, fired: forMs <= 0 });
      return forMs <= 0;
    }
    if (st.fired || e.timeMs - st.since < forMs) return false;
    st.fired = true;
    return true;
  }

  function emit(r: CompiledRule, e: VigilEvent): void {
    let suppressed = -1;
    const th = r.throttle;
    if (th !== undefined) {
      const key = th.key(e);
      const map = r.state.throttle;
      const st = map.get(key);
      if (st !== undefined && e.timeMs < st.until) {
        st.suppressed++;
        suppressedTotal.inc({ rule: r.name });
        return;
      }
      suppressed = st?.suppressed ?? 0;
      if (map.size >= THROTTLE_SWEEP_AT) for (const [k, v] of map) if (e.timeMs >= v.until) map.delete(k);
      map.set(key, { until: e.timeMs + th.periodMs, suppressed: 0 });
    }
    const outputFields: Record<string, string | number | boolean | null> = {};
    r.output.fields(e, outputFields);
    if (suppressed >= 0) outputFields['vigil.suppressed'] = suppressed;
    alertsTotal.inc({ rule: r.name, priority: r.priorityText });
    onAlert(
      {
        time: rfc3339Nano(e.timeMs),
        rule: r.name,
        priority: r.priorityText,
        output: `${timeOfDay(e.timeMs)}: ${r.priorityText} ${r.output.render(e)}`,
        output_fields: outputFields,
        hostname: e.hostname ?? deps.hostname,
        source: r.source,
        tags: r.tags.slice(),
      },
      e,
      r.output.layout,
    );
  }

  // Called by the rule set's generated code for each rule whose condition holds / does not hold.
  const hitAll: HitFn = (r, e) => {
    if (r.forMs !== undefined && !holds(r, e, r.forMs)) return false;
    emit(r, e);
    return false;
  };
  const hitFirst: HitFn = (r, e) => {
    if (r.forMs !== undefined && !holds(r, e, r.forMs)) return false;
    emit(r, e);
    return true;
  };
  const miss: MissFn = (r, e) => {
    if (r.state.pending.size > 0) r.state.pending.delete(forKey(e));
  };

  const engine: RuleEngine = {
    get ruleSet() {
      return ruleSet;
    },
    get evaluations() {
      return stats.evaluations;
    },
    swap(rs) {
      ruleSet = rs;
      setLoadedGauge(rs);
    },
    process(e) {
      const rs = ruleSet;
      // Values memoized for the previous event are stale even if this is the same object, mutated.
      rs.evalCache.ev = undefined;
      stats.evaluations += rs.run(e, rs.ruleMatching === 'first' ? hitFirst : hitAll, miss, typeCounts, countOther);
    },
  };
  setLoadedGauge(ruleSet);
  return engine;
}
