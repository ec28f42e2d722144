import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { wireContainerEvents } from '../../../../agent/events/container-wiring.js';
import type { EventContext } from '../../../../agent/events/context.js';
import { EnrichmentHold } from '../../../../agent/events/enrichment-hold.js';
import { type ContainersLike, guardWith } from '../../../../agent/events/sources.js';
import type { ContainerInfo } from '../../../../collectors/model.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { recordingErrors } from '../../../helpers/deps.js';

const NOW = 1_700_000_000_000;
const bare: ContainerInfo = { id: 'a'.repeat(64), runtime: 'docker', cgroupPath: '/docker/a', labels: {} };
const described: ContainerInfo = { ...bare, name: 'web', image: 'shop/web:1', startTimeSec: NOW / 1000 };

function setup() {
  let listener: Parameters<ContainersLike['onChange']>[0] = () => {};
  const table = new Map<string, ContainerInfo>();
  const containers: ContainersLike = {
    get: (id) => table.get(id),
    list: () => [...table.values()],
    onChange: (l) => {
      listener = l;
      return () => {
        listener = () => {};
      };
    },
  };
  const events: VigilEvent[] = [];
  const errors = recordingErrors();
  const ctx = { hostname: 'node-1', now: () => Date.now() } as EventContext;
  const guard = guardWith(errors);
  const hold = new EnrichmentHold((e) => events.push(e), 1_000);
  const unwire = wireContainerEvents(containers, hold, (e) => events.push(e), ctx, guard, 1_000);
  const change = (kind: 'added' | 'removed' | 'updated', c: ContainerInfo) => {
    if (kind === 'removed') table.delete(c.id);
    else table.set(c.id, c);
    listener({ kind, container: c });
  };
  const states = () => events.map((e) => `${e.container?.state}:${e.container?.name ?? '-'}`);
  return { change, states, unwire, reported: errors.calls };
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('wireContainerEvents', () => {
  it('announces a container once, when the runtime describes it, and stopped when it goes', () => {
    const t = setup();
    t.change('added', bare);
    expect(t.states()).toEqual([]);
    t.change('updated', described);
    t.change('updated', described);
    t.change('removed', described);
    expect(t.states()).toEqual(['started:web', 'stopped:web']);
  });

  it('a container that predates the agent is running, not started', () => {
    const t = setup();
    t.change('added', { ...described, startTimeSec: NOW / 1000 - 3600 });
    expect(t.states()).toEqual(['running:web']);
  });

  it('without the runtime, announces what the cgroup told after the enrichment wait', () => {
    const t = setup();
    t.change('added', bare);
    vi.advanceTimersByTime(999);
    expect(t.states()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(t.states()).toEqual(['started:-']);
    t.change('updated', described); // described later: not announced twice
    expect(t.states()).toEqual(['started:-']);
  });

  it('a container gone before it was announced raises nothing; unwiring cancels pending announcements', () => {
    const t = setup();
    t.change('added', bare);
    t.change('removed', bare);
    const other = { ...bare, id: 'b'.repeat(64) };
    t.change('added', other);
    t.unwire();
    vi.advanceTimersByTime(5_000);
    expect(t.states()).toEqual([]);
    expect(t.reported).toEqual([]);
  });
});
