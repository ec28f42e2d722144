import { Registry } from 'prom-client';
import type { Alert } from '../../../../rules/alert.js';
import { compileRuleSet, createRuleEngine, loadRuleTexts, sensorCatalog, type Issue, type VigilEvent } from '../../../../rules/index.js';

/** The upstream test a case mirrors: repository, path, test name. */
export interface Upstream {
  readonly repo: 'falcosecurity/falco' | 'falcosecurity/libs';
  readonly path: string;
  readonly test: string;
}

/**
 * One conformance case: a rules snippet and the verdict Falco's engine gives
 * it (load or fail, the warnings it gives, and which events a rule matches),
 * written by us from the behaviour the cited upstream test documents.
 */
export interface Case {
  readonly name: string;
  readonly upstream: Upstream;
  /** A whole rules file, or a condition wrapped in one rule named `r` (see ruleFor). */
  readonly yaml: string;
  /** Further files loaded after `yaml`, in order (a tuning file). */
  readonly more?: readonly string[];
  readonly verdict: 'load' | 'fail';
  /** Codes that must be among the errors (fail) . */
  readonly errors?: readonly string[];
  /** Codes that must be among the warnings. */
  readonly warnings?: readonly string[];
  /** Codes that must not be among the warnings. */
  readonly noWarnings?: readonly string[];
  /** Events given to the engine; `match` is whether rule `rule` (default `r`) fires. */
  readonly events?: readonly { readonly event: VigilEvent; readonly match: boolean; readonly rule?: string }[];
  /** Extra facts about the outcome. */
  readonly check?: (o: Outcome) => void;
}

export interface Outcome {
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  readonly rules: ReturnType<typeof loadRuleTexts>['rules'];
}

export const FALCO = (path: string, test: string): Upstream => ({ repo: 'falcosecurity/falco', path, test });
export const LIBS = (path: string, test: string): Upstream => ({ repo: 'falcosecurity/libs', path, test });
export const LOADER = (test: string): Upstream => FALCO('unit_tests/engine/test_rule_loader.cpp', test);

/** A rules file with one rule `r` (or `name`) on `condition`. */
export function ruleFor(condition: string, extra = '', name = 'r'): string {
  return `- rule: ${name}\n  desc: d\n  condition: ${JSON.stringify(condition)}\n  output: o %proc.name\n  priority: WARNING\n${extra}`;
}

/** Loads and compiles like the agent (sensor catalog), then feeds events to a real engine. */
export function run(c: Case): { outcome: Outcome; fired: (e: VigilEvent) => string[] } {
  const files = [c.yaml, ...(c.more ?? [])].map((text, i) => ({ path: i === 0 ? 'case.yaml' : `more-${i}.yaml`, text }));
  const load = loadRuleTexts(files, { catalog: sensorCatalog });
  const { ruleSet, issues, warnings } = compileRuleSet(load, { ruleMatching: 'all' });
  const outcome: Outcome = { errors: [...load.errors, ...issues], warnings: [...load.warnings, ...warnings], rules: load.rules };
  const alerts: Alert[] = [];
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'h' }, (a) => alerts.push(a));
  engine.swap(ruleSet);
  return {
    outcome,
    fired(e) {
      alerts.length = 0;
      engine.process({ ...e });
      return alerts.map((a) => a.rule);
    },
  };
}

// ---- events ---------------------------------------------------------------

const T = 1_700_000_000_000;

export function execve(name: string, extra: Partial<NonNullable<VigilEvent['proc']>> = {}, rest: Partial<VigilEvent> = {}): VigilEvent {
  return { type: 'execve', source: 'syscall', timeMs: T, proc: { pid: 100, name, ...extra }, ...rest } as VigilEvent;
}

/** A connected IPv4 TCP socket: client cip:cport, server sip:sport (this side is the client). */
export function connect(cip: string, cport: number, sip: string, sport: number, type = 'ipv4'): VigilEvent {
  return {
    type: 'connect',
    source: 'syscall',
    timeMs: T,
    proc: { pid: 100, name: 'curl' },
    fd: { type, l4proto: 'tcp', cip, cport, sip, sport, lip: cip, lport: cport, rip: sip, rport: sport, name: `${cip}:${cport}->${sip}:${sport}` },
  } as VigilEvent;
}
