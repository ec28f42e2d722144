import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { Registry } from 'prom-client';
import { buildRules } from '../build.js';
import type { RuleMatching } from '../compiler/index.js';
import { createRuleEngine } from '../engine/index.js';
import { AUDIT_EVENT_TYPES, EVENT_TYPES, type EventType, type VigilEvent } from '../event.js';
import { auditSensorCatalog } from '../fields/index.js';
import { formatIssue } from '../load.js';

/** Where a CLI subcommand writes; main.ts passes process streams, tests collect strings. */
export interface CliIO {
  stdout(line: string): void;
  stderr(line: string): void;
}

const USAGE = 'usage: vigil rules test RULES... --events EVENTS.jsonl [--rule-matching first|all] [--hostname NAME]';
const TYPES: ReadonlySet<string> = new Set<EventType>([...EVENT_TYPES, ...AUDIT_EVENT_TYPES]);

/** Turns one JSON line into an event, or says what is wrong with it. */
export function parseEventLine(line: string): VigilEvent | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string' || !TYPES.has(o.type)) return `"type" must be one of ${[...TYPES].join(', ')}`;
  let timeMs = o.timeMs;
  if (timeMs === undefined && typeof o.time === 'string') timeMs = Date.parse(o.time);
  if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) return '"timeMs" (ms since the epoch) or "time" (RFC3339) is required';
  const source = o.source ?? (o.type === 'metric' ? 'metrics' : 'syscall');
  if (source !== 'syscall' && source !== 'metrics') return '"source" must be syscall or metrics';
  if (o.type === 'metric' && (typeof o.metric !== 'object' || o.metric === null)) return 'a metric event needs "metric": {subject, values}';
  for (const k of ['proc', 'fd', 'container', 'k8s', 'metric', 'edge']) {
    if (o[k] !== undefined && (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k]))) return `"${k}" must be an object`;
  }
  return { ...(o as object), type: o.type as EventType, source, timeMs } as VigilEvent;
}

/**
 * `vigil rules test`: loads the rules like the agent does, feeds the events
 * and prints the alerts (Falco JSON, one per line). Exit 1 when the rules do
 * not load; a malformed event line is reported and skipped.
 */
/** `-h`/`--help` prints the usage (exit 0); any other option is unknown (exit 2). */
export function helpOrUnknown(option: string, usage: string, io: CliIO): number {
  if (option === '-h' || option === '--help') {
    io.stdout(usage);
    return 0;
  }
  io.stderr(`unknown option ${option}\n${usage}`);
  return 2;
}

export async function runRulesTest(argv: readonly string[], io: CliIO): Promise<number> {
  const paths: string[] = [];
  let events: string | undefined;
  let ruleMatching: RuleMatching = 'all'; // as the agent's default: every matching rule alerts
  let host = osHostname();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string | undefined => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
    if (a === '--events' || a.startsWith('--events=')) events = val();
    else if (a === '--rule-matching' || a.startsWith('--rule-matching=')) {
      const m = val();
      if (m !== 'first' && m !== 'all') {
        io.stderr(`--rule-matching must be first or all\n${USAGE}`);
        return 2;
      }
      ruleMatching = m;
    } else if (a === '--hostname' || a.startsWith('--hostname=')) host = val() ?? host;
    else if (a.startsWith('-')) return helpOrUnknown(a, USAGE, io);
    else paths.push(a);
  }
  if (paths.length === 0 || events === undefined) {
    io.stderr(USAGE);
    return 2;
  }

  // The agent's own load and compile (rules/build.ts), so a rule behaves here as it will there.
  const { ruleSet, errors, warnings } = await buildRules(paths, { ruleMatching, catalog: auditSensorCatalog });
  for (const w of warnings) io.stderr(formatIssue(w, 'warning'));
  if (errors.length > 0) {
    for (const e of errors) io.stderr(formatIssue(e, 'error'));
    return 1;
  }

  let text: string;
  try {
    text = await readFile(events, 'utf8');
  } catch (err) {
    io.stderr(`${events}: ${(err as Error).message}`);
    return 1;
  }
  const engine = createRuleEngine({ registry: new Registry(), hostname: host }, (a) => io.stdout(JSON.stringify(a)));
  engine.swap(ruleSet);
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const ev = parseEventLine(line);
    if (typeof ev === 'string') {
      io.stderr(`${events}:${n + 1}: ${ev} (line skipped)`);
      continue;
    }
    engine.process(ev);
  }
  return 0;
}
