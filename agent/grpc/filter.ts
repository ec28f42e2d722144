import { RE2JS } from 're2js';
import { compileCondition, parseCondition, type VigilEvent } from '../../rules/index.js';
import type { Envelope, EnvelopeKind } from '../delivery/envelope.js';
import { kindOfValue } from '../delivery/wire.js';
import { priorityNumber } from '../delivery/alert-encoder.js';
import { VigilError } from '../../core/errors.js';

/** A subscription filter the client got wrong: answered with INVALID_ARGUMENT, naming the filter. */
export class FilterError extends VigilError<'VIGIL_ERR_GRPC_FILTER'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VIGIL_ERR_GRPC_FILTER', message, options);
  }
}

/** SubscribeRequest's filters, as decoded (camelCase, enums as numbers). */
export interface SubscribeFilters {
  readonly kinds?: readonly number[];
  readonly minPriority?: number;
  readonly rules?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly podNameRegex?: string;
  readonly condition?: string;
}

/** Longest condition or regex a client may send (both compile once per subscription). */
export const MAX_FILTER_TEXT = 4096;

/**
 * Compiles a subscription's filters into one predicate. Loss notices always
 * pass. The pod regex is RE2 (linear time: a client cannot stall the agent
 * with a pathological pattern); the condition is the rule language, compiled
 * by rules/ like a rule's, and evaluated on the envelope's event.
 */
export function compileFilter(f: SubscribeFilters): (env: Envelope) => boolean {
  const tests: ((env: Envelope) => boolean)[] = [];
  const kinds = new Set<EnvelopeKind>();
  for (const k of f.kinds ?? []) {
    const kind = kindOfValue(k);
    if (kind === undefined && k !== 0) throw new FilterError(`kinds: unknown kind ${k}`);
    if (kind !== undefined) kinds.add(kind);
  }
  if (kinds.size > 0) tests.push((env) => kinds.has(env.kind));
  const minPriority = f.minPriority ?? 0;
  if (minPriority > 0) tests.push((env) => env.kind !== 'alert' || priorityNumber(env.alert?.priority ?? '') >= minPriority);
  const rules = new Set(f.rules ?? []);
  if (rules.size > 0) tests.push((env) => env.kind !== 'alert' || rules.has(env.alert?.rule ?? ''));
  const namespaces = new Set(f.namespaces ?? []);
  if (namespaces.size > 0) tests.push((env) => namespaces.has(namespaceOf(env) ?? '\u0000'));
  if (f.podNameRegex) {
    if (f.podNameRegex.length > MAX_FILTER_TEXT) throw new FilterError(`pod_name_regex: longer than ${MAX_FILTER_TEXT} characters`);
    let re: RE2JS;
    try {
      re = RE2JS.compile(f.podNameRegex);
    } catch (err) {
      throw new FilterError(`pod_name_regex: ${(err as Error).message}`, { cause: err });
    }
    tests.push((env) => {
      const pod = podOf(env);
      return pod !== undefined && re.matcher(pod).find();
    });
  }
  if (f.condition) {
    if (f.condition.length > MAX_FILTER_TEXT) throw new FilterError(`condition: longer than ${MAX_FILTER_TEXT} characters`);
    const parsed = parseCondition(f.condition);
    if (parsed.expr === undefined || parsed.issues.length > 0) {
      throw new FilterError(`condition: ${parsed.issues.map((i) => i.message).join('; ') || 'cannot parse'}`);
    }
    let pred: (e: VigilEvent) => boolean;
    try {
      pred = compileCondition(parsed.expr, false);
    } catch (err) {
      throw new FilterError(`condition: ${(err as Error).message}`, { cause: err });
    }
    tests.push((env) => env.event !== undefined && pred(env.event));
  }
  if (tests.length === 0) return () => true;
  return (env) => {
    if (env.kind === 'loss') return true;
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(env)) return false;
    return true;
  };
}

function namespaceOf(env: Envelope): string | undefined {
  const ns = env.event?.k8s?.ns ?? env.alert?.output_fields['k8s.ns.name'];
  return typeof ns === 'string' ? ns : undefined;
}

function podOf(env: Envelope): string | undefined {
  const pod = env.event?.k8s?.podName ?? env.alert?.output_fields['k8s.pod.name'];
  return typeof pod === 'string' ? pod : undefined;
}
