import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLayout } from './layout.js';
import { isChurn } from '../../core/errors.js';
import { CgroupError } from './errors.js';
import { type DeviceIo, type InterfaceStats, parseBlkioServiceBytes, parseFlatKeyed, parseIoStat, parseNetDev, parsePids, parseUint } from './parse-stats.js';

/**
 * Absolute paths of the files one container's stats come from, resolved once
 * when the container is found so a scrape only reads files (cAdvisor keeps a
 * handler per container for the same reason).
 */
export interface ContainerStatPaths {
  readonly version: 1 | 2;
  /** v1 cpuacct.usage (ns) | v2 cpu.stat (usage_usec, user_usec, system_usec). */
  readonly cpuUsage?: string;
  /** v1 cpuacct.stat (user/system in USER_HZ ticks). */
  readonly cpuStat?: string;
  /** v1 memory.usage_in_bytes | v2 memory.current */
  readonly memUsage?: string;
  readonly memStat?: string;
  /** v1 blkio.throttle.io_service_bytes_recursive | v2 io.stat */
  readonly io?: string;
  /** v1 blkio.throttle.io_service_bytes, for kernels without the _recursive file. */
  readonly ioFallback?: string;
  readonly procs: string;
}

export function statPathsFor(layout: CgroupLayout, cgroupPath: string): ContainerStatPaths {
  if (layout.version === 2) {
    const d = join(layout.root, cgroupPath);
    return {
      version: 2,
      cpuUsage: join(d, 'cpu.stat'),
      memUsage: join(d, 'memory.current'),
      memStat: join(d, 'memory.stat'),
      io: join(d, 'io.stat'),
      procs: join(d, 'cgroup.procs'),
    };
  }
  const c = layout.controllers;
  const at = (dir: string | undefined, file: string): string | undefined => (dir === undefined ? undefined : join(dir, cgroupPath, file));
  return {
    version: 1,
    cpuUsage: at(c.cpuacct, 'cpuacct.usage'),
    cpuStat: at(c.cpuacct, 'cpuacct.stat'),
    memUsage: at(c.memory, 'memory.usage_in_bytes'),
    memStat: at(c.memory, 'memory.stat'),
    io: at(c.blkio, 'blkio.throttle.io_service_bytes_recursive'),
    ioFallback: at(c.blkio, 'blkio.throttle.io_service_bytes'),
    procs: join(layout.watchRoot, cgroupPath, 'cgroup.procs'),
  };
}

export interface ContainerStats {
  cpuUsageSec?: number;
  cpuUserSec?: number;
  cpuSystemSec?: number;
  memUsageBytes?: number;
  memWorkingSetBytes?: number;
  memRssBytes?: number;
  memCacheBytes?: number;
  io: DeviceIo[];
}

/** Where a failure is reported: (stage, error). Churn never reaches it. */
export type StatsProblem = (stage: string, err: unknown) => void;

// USER_HZ is 100 on every Linux architecture the kernel exports cpuacct.stat
// for (it is the ABI value, independent of CONFIG_HZ).
const USER_HZ = 100;

/**
 * Reads one container's cgroup stats. Synchronous on purpose: cgroup files are
 * generated in memory by the kernel, a read costs microseconds, and a
 * threadpool round trip per file would cost more than the read itself.
 */
export function readContainerStats(p: ContainerStatPaths, problem: StatsProblem): ContainerStats {
  const s: ContainerStats = { io: [] };
  if (p.version === 2) {
    const cpu = readKeyed(p.cpuUsage, problem, 'cpu.stat');
    if (cpu) {
      const us = (k: string): number | undefined => {
        const v = cpu.get(k);
        return v === undefined ? undefined : v / 1e6;
      };
      s.cpuUsageSec = us('usage_usec');
      s.cpuUserSec = us('user_usec');
      s.cpuSystemSec = us('system_usec');
    }
  } else {
    const ns = readUint(p.cpuUsage, problem, 'cpuacct.usage');
    if (ns !== undefined) s.cpuUsageSec = ns / 1e9;
    const st = readKeyed(p.cpuStat, problem, 'cpuacct.stat');
    if (st) {
      const u = st.get('user');
      const sy = st.get('system');
      if (u !== undefined) s.cpuUserSec = u / USER_HZ;
      if (sy !== undefined) s.cpuSystemSec = sy / USER_HZ;
    }
  }

  const usage = readUint(p.memUsage, problem, p.version === 2 ? 'memory.current' : 'memory.usage_in_bytes');
  s.memUsageBytes = usage;
  const ms = readKeyed(p.memStat, problem, 'memory.stat');
  if (ms) {
    // v1 `total_*` includes child cgroups (what cAdvisor uses); v2 memory.stat
    // is always hierarchical.
    const pick = (v1: string, v2: string): number | undefined => (p.version === 2 ? ms.get(v2) : (ms.get(`total_${v1}`) ?? ms.get(v1)));
    s.memRssBytes = pick('rss', 'anon');
    s.memCacheBytes = pick('cache', 'file');
    const inactiveFile = pick('inactive_file', 'inactive_file');
    if (usage !== undefined) {
      // cAdvisor: working set = usage - inactive_file, never below zero.
      s.memWorkingSetBytes = inactiveFile === undefined ? usage : Math.max(0, usage - inactiveFile);
    }
  }

  const ioText = readText(p.io, problem, 'io', true) ?? readText(p.ioFallback, problem, 'io', false);
  if (ioText !== undefined) {
    const parsed = p.version === 2 ? parseIoStat(ioText) : parseBlkioServiceBytes(ioText);
    if (parsed.bad > 0) problem('io', malformed(p.io ?? p.ioFallback ?? 'io', parsed.bad));
    s.io = parsed.value;
  }
  return s;
}

/** The pids in a container cgroup (empty when it has none or vanished). */
export function readPids(p: ContainerStatPaths, problem: StatsProblem): number[] {
  const t = readText(p.procs, problem, 'cgroup.procs', false);
  return t === undefined ? [] : parsePids(t);
}

/** Interfaces of the network namespace of `pid`, without loopback and host-side bridges. */
export function readNetDev(procRoot: string, pid: number, problem: StatsProblem): InterfaceStats[] | undefined {
  const path = join(procRoot, String(pid), 'net', 'dev');
  const t = readText(path, problem, 'net/dev', false);
  if (t === undefined) return undefined;
  const parsed = parseNetDev(t);
  if (parsed.bad > 0) problem('net/dev', malformed(path, parsed.bad));
  return parsed.value.filter((i) => !IGNORED_IFACE.test(i.iface));
}

// As cAdvisor: loopback and host-side ends of bridges say nothing about the container.
const IGNORED_IFACE = /^(lo|veth|docker|nerdctl)/;

function readText(path: string | undefined, problem: StatsProblem, stage: string, quietMissing: boolean): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isChurn(err)) return undefined;
    if (!quietMissing) problem(stage, new CgroupError('VIGIL_ERR_CGROUP_READ', `cannot read ${path}`, { cause: err }));
    return undefined;
  }
}

function readUint(path: string | undefined, problem: StatsProblem, stage: string): number | undefined {
  const t = readText(path, problem, stage, false);
  if (t === undefined) return undefined;
  const v = parseUint(t);
  if (v === undefined) problem(stage, malformed(path!, 1));
  return v;
}

function readKeyed(path: string | undefined, problem: StatsProblem, stage: string): Map<string, number> | undefined {
  const t = readText(path, problem, stage, false);
  if (t === undefined) return undefined;
  const parsed = parseFlatKeyed(t);
  if (parsed.bad > 0) problem(stage, malformed(path!, parsed.bad));
  return parsed.value;
}

function malformed(path: string, bad: number): CgroupError {
  return new CgroupError('VIGIL_ERR_CGROUP_PARSE', `${path}: ${bad} malformed line(s)`);
}
