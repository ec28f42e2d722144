import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ContainerInfo } from '../../../../collectors/model.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { EnrichmentHold } from '../../../../agent/events/enrichment-hold.js';

const ID = 'e'.repeat(64);
const bare = (n: number): VigilEvent => ({ type: 'execve', source: 'syscall', timeMs: n, container: { id: ID }, proc: { pid: n, name: 'sh' } });
const enriched: ContainerInfo = {
  id: ID,
  runtime: 'docker',
  cgroupPath: `/kubepods/pod1/${ID}`,
  name: 'k8s_app_web-1_shop_u_0',
  image: 'shop/web:1',
  labels: {},
  k8s: { namespace: 'shop', pod: 'web-1', container: 'app' },
};

afterEach(() => vi.useRealTimers());

describe('EnrichmentHold', () => {
  it("holds a new container's events until the runtime names it, then emits them in order with the pod", () => {
    const out: VigilEvent[] = [];
    const hold = new EnrichmentHold((e) => out.push(e), 2_000);
    hold.push(bare(1));
    hold.push(bare(2));
    expect(out).toEqual([]);
    hold.enriched(enriched);
    expect(out.map((e) => [e.proc?.pid, e.k8s?.podName, e.container?.name])).toEqual([
      [1, 'web-1', 'k8s_app_web-1_shop_u_0'],
      [2, 'web-1', 'k8s_app_web-1_shop_u_0'],
    ]);
  });

  it('lets events go bare after the wait, and does not hold that container again', () => {
    vi.useFakeTimers();
    const out: VigilEvent[] = [];
    const hold = new EnrichmentHold((e) => out.push(e), 2_000);
    hold.push(bare(1));
    vi.advanceTimersByTime(2_001);
    expect(out.map((e) => e.proc?.pid)).toEqual([1]);
    hold.push(bare(2));
    expect(out.map((e) => e.proc?.pid)).toEqual([1, 2]);
  });

  it('passes host events and enriched events straight through', () => {
    const out: VigilEvent[] = [];
    const hold = new EnrichmentHold((e) => out.push(e), 2_000);
    hold.push({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'sh' } });
    hold.push({ ...bare(2), container: { id: ID, name: 'web' } });
    expect(out).toHaveLength(2);
  });
});

describe('EnrichmentHold counts (vigil_metadata_hold_total)', () => {
  it('counts held events as enriched or gave_up, and names the pod from the API when it knows the uid', () => {
    vi.useFakeTimers();
    const out: VigilEvent[] = [];
    const counts: Record<string, number> = {};
    const pods = (uid: string) =>
      uid === 'u-1'
        ? {
            uid,
            namespace: 'shop',
            name: 'web-1',
            labels: { app: 'web' },
            annotations: {},
            ips: ['10.0.0.5'],
            hostNetwork: false,
            owner: { kind: 'ReplicaSet', name: 'web-6f7d' },
            workload: { kind: 'Deployment', name: 'web' },
          }
        : undefined;
    const hold = new EnrichmentHold(
      (e) => out.push(e),
      2_000,
      pods,
      (o, n) => (counts[o] = (counts[o] ?? 0) + n),
    );
    hold.push(bare(1));
    hold.push(bare(2));
    hold.enriched({ ...enriched, k8s: { ...enriched.k8s!, podUid: 'u-1' } });
    expect(counts).toEqual({ enriched: 2 });
    expect(out[0]?.k8s).toMatchObject({ workloadKind: 'Deployment', workloadName: 'web', workloadSource: 'api', ownerName: 'web-6f7d', podIp: '10.0.0.5' });
    const other = 'f'.repeat(64);
    hold.push({ ...bare(3), container: { id: other } });
    vi.advanceTimersByTime(2_001);
    expect(counts).toEqual({ enriched: 2, gave_up: 1 });
    expect(out.at(-1)?.k8s).toBeUndefined();
  });
});
