import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCgroupLayout, readContainerStats, readNetDev, readPids, statPathsFor } from '../../../../collectors/cgroups/index.js';
import { copyFixture, ID, PROC, UID, UID2, V1, V2 } from './helpers.js';

const problems = (): { list: Array<[string, unknown]>; fn: (s: string, e: unknown) => void } => {
  const list: Array<[string, unknown]> = [];
  return { list, fn: (s, e) => list.push([s, e]) };
};

describe('cgroup v1 stats (cpu and cpuacct separate)', () => {
  const layout = detectCgroupLayout(V1);

  it('reads docker cgroupfs container A', () => {
    const p = problems();
    const s = readContainerStats(statPathsFor(layout, `/docker/${ID.A}`), p.fn);
    expect(p.list).toEqual([]);
    expect(s).toEqual({
      cpuUsageSec: 1.5,
      cpuUserSec: 1,
      cpuSystemSec: 0.5,
      memUsageBytes: 10_000_000,
      // usage - total_inactive_file
      memWorkingSetBytes: 9_000_000,
      memRssBytes: 5_000_000,
      memCacheBytes: 4_000_000,
      io: [
        { device: '8:0', readBytes: 4096, writeBytes: 8192 },
        { device: '253:1', readBytes: 100, writeBytes: 200 },
      ],
    });
  });

  it('reads a kubelet cgroupfs container', () => {
    const s = readContainerStats(statPathsFor(layout, `/kubepods/besteffort/pod${UID}/${ID.B}`), () => {});
    expect(s.cpuUsageSec).toBe(3);
    expect(s.memWorkingSetBytes).toBe(20_000_000 - 2_000_000);
  });

  it('clamps the working set at zero when inactive_file exceeds usage', () => {
    const { dir, cleanup } = copyFixture(V1);
    try {
      writeFileSync(join(dir, 'memory', 'docker', ID.A, 'memory.stat'), 'total_inactive_file 99000000\ntotal_rss 1\n');
      const s = readContainerStats(statPathsFor(detectCgroupLayout(dir), `/docker/${ID.A}`), () => {});
      expect(s.memUsageBytes).toBe(10_000_000);
      expect(s.memWorkingSetBytes).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('reads pids from cgroup.procs', () => {
    expect(readPids(statPathsFor(layout, `/docker/${ID.A}`), () => {})).toEqual([4242, 4243]);
  });

  it('treats a vanished container as churn: no values, nothing reported', () => {
    const p = problems();
    const s = readContainerStats(statPathsFor(layout, `/docker/${'9'.repeat(64)}`), p.fn);
    expect(s).toEqual({ io: [], memUsageBytes: undefined });
    expect(p.list).toEqual([]);
  });
});

describe('cgroup v2 stats', () => {
  const layout = detectCgroupLayout(V2);

  it('reads a systemd docker container', () => {
    const p = problems();
    const s = readContainerStats(statPathsFor(layout, `/system.slice/docker-${ID.C}.scope`), p.fn);
    expect(p.list).toEqual([]);
    expect(s).toEqual({
      cpuUsageSec: 2,
      cpuUserSec: 1.5,
      cpuSystemSec: 0.5,
      memUsageBytes: 20_000_000,
      memWorkingSetBytes: 18_000_000,
      memRssBytes: 6_000_000,
      memCacheBytes: 7_000_000,
      io: [
        { device: '8:0', readBytes: 1000, writeBytes: 2000 },
        { device: '259:0', readBytes: 5, writeBytes: 6 },
      ],
    });
  });

  it('reads a containerd systemd container', () => {
    const path = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID2.replace(/-/g, '_')}.slice/cri-containerd-${ID.D}.scope`;
    expect(readContainerStats(statPathsFor(layout, path), () => {}).cpuUsageSec).toBe(4);
  });

  it('never throws on hostile files and reports each bad file', () => {
    const p = problems();
    const paths = statPathsFor(layout, `/system.slice/docker-${ID.H}.scope`);
    const s = readContainerStats(paths, p.fn);
    expect(s.memUsageBytes).toBeUndefined(); // "max"
    expect(s.cpuUsageSec).toBeUndefined();
    expect(s.cpuUserSec).toBeUndefined();
    expect(s.io).toEqual([{ device: '8:0', readBytes: 0, writeBytes: 5 }]);
    expect(new Set(p.list.map(([stage]) => stage))).toEqual(new Set(['cpu.stat', 'memory.current', 'memory.stat', 'io']));
    for (const [, err] of p.list) expect((err as { code: string }).code).toBe('VIGIL_ERR_CGROUP_PARSE');
    expect(readPids(paths, () => {})).toEqual([]);
  });
});

describe('network from /proc/<pid>/net/dev', () => {
  it('reads the container interfaces without lo and veth', () => {
    const net = readNetDev(PROC, 4242, () => {});
    expect(net?.map((i) => i.iface)).toEqual(['eth0']);
    expect(net?.[0]).toMatchObject({ rxBytes: 123456, txBytes: 65432, rxPackets: 100, txPackets: 50 });
  });
  it('returns undefined for a vanished pid, without a report', () => {
    const p = problems();
    expect(readNetDev(PROC, 999999, p.fn)).toBeUndefined();
    expect(p.list).toEqual([]);
  });
});
