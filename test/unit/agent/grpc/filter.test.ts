import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { compileFilter, FilterError } from '../../../../agent/grpc/filter.js';
import type { VigilEvent } from '../../../../rules/index.js';

const event = (ns: string | undefined, pod: string, name: string): VigilEvent => ({
  type: 'execve',
  source: 'syscall',
  timeMs: 0,
  proc: { pid: 1, name },
  ...(ns ? { k8s: { ns, podName: pod } } : {}),
});
const env = (kind: Envelope['kind'], e?: VigilEvent, rule = 'R', priority = 'Warning'): Envelope => ({
  node: 'n',
  bootId: 'b',
  sequence: 1,
  eventId: 'b-1',
  timeNs: 0n,
  kind,
  event: e,
  ...(kind === 'alert'
    ? { alert: { time: '', rule, priority, output: '', output_fields: { 'k8s.ns.name': e?.k8s?.ns ?? null, 'k8s.pod.name': e?.k8s?.podName ?? null }, hostname: '', source: 'syscall', tags: [] } }
    : {}),
  ...(kind === 'loss' ? { loss: { firstSequence: 1, lastSequence: 1, count: 1, reason: 'x' } } : {}),
});

describe('subscription filters', () => {
  it('by kind (enum numbers), priority and rule; loss notices always pass', () => {
    const f = compileFilter({ kinds: [7], minPriority: 6, rules: ['Reverse Shell'] });
    expect(f(env('alert', undefined, 'Reverse Shell', 'Critical'))).toBe(true);
    expect(f(env('alert', undefined, 'Reverse Shell', 'Warning'))).toBe(false);
    expect(f(env('alert', undefined, 'Other', 'Critical'))).toBe(false);
    expect(f(env('exec', event('a', 'p', 'sh')))).toBe(false);
    expect(f(env('loss'))).toBe(true);
  });

  it('by namespace and RE2 pod-name regex, on events and on alerts', () => {
    const f = compileFilter({ namespaces: ['shop'], podNameRegex: '^web-[0-9]+$' });
    expect(f(env('exec', event('shop', 'web-1', 'sh')))).toBe(true);
    expect(f(env('alert', event('shop', 'web-2', 'sh')))).toBe(true);
    expect(f(env('exec', event('shop', 'db-1', 'sh')))).toBe(false);
    expect(f(env('exec', event('other', 'web-1', 'sh')))).toBe(false);
    expect(f(env('exec', event(undefined, '', 'sh')))).toBe(false);
  });

  it('by a condition in the rule language, evaluated on the event', () => {
    const f = compileFilter({ condition: 'proc.name in (nc, ncat) and k8s.ns.name = shop' });
    expect(f(env('exec', event('shop', 'w', 'nc')))).toBe(true);
    expect(f(env('alert', event('shop', 'w', 'ncat')))).toBe(true);
    expect(f(env('exec', event('shop', 'w', 'sh')))).toBe(false);
  });

  it('a pathological regex is linear (RE2), and bad filters are FilterErrors naming the filter', () => {
    const f = compileFilter({ podNameRegex: '(a+)+$' });
    expect(f(env('exec', event('s', `${'a'.repeat(5000)}!`, 'sh')))).toBe(false);
    expect(() => compileFilter({ podNameRegex: '(' })).toThrow(/pod_name_regex/);
    expect(() => compileFilter({ condition: 'proc.name =' })).toThrow(FilterError);
    expect(() => compileFilter({ condition: 'no.such.field = 1' })).toThrow(/condition/);
    expect(() => compileFilter({ kinds: [99] })).toThrow(/kinds/);
    expect(() => compileFilter({ condition: 'x'.repeat(5000) })).toThrow(/longer than/);
  });
});
