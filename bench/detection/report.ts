import { cpus, loadavg, release, totalmem } from 'node:os';
import { median, percentile } from '../foundation/stats.js';
import type { CpuResult } from './cpu.js';
import { FAMILIES } from './families.js';
import { EXEC_POLL_INTERVAL_MS, MISS_AFTER_MS, SCAN_INTERVAL_MS, type ModeLatency, type Sample } from './latency.js';

export const TARGET_P99_MS = 500;

/** Detected latencies plus one +Infinity per miss: a miss counts as the slowest possible outcome. */
function withMisses(samples: readonly Sample[]): number[] {
  return samples.filter((s) => !s.setupError).map((s) => s.latencyMs ?? Number.POSITIVE_INFINITY);
}

function ms(x: number): string {
  if (Number.isNaN(x)) return '-';
  return Number.isFinite(x) ? `${Math.round(x)}` : `> ${MISS_AFTER_MS / 1000} s (miss)`;
}

function withUnit(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x)} ms` : ms(x);
}

export interface LatencySummary {
  readonly runs: number;
  readonly misses: number;
  readonly setupErrors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: readonly Sample[]): LatencySummary {
  const xs = withMisses(samples);
  return {
    runs: xs.length,
    misses: xs.filter((x) => !Number.isFinite(x)).length,
    setupErrors: samples.filter((s) => s.setupError).length,
    p50: percentile(xs, 50),
    p99: percentile(xs, 99),
    max: xs.length ? Math.max(...xs) : Number.NaN,
  };
}

function latencyTable(m: ModeLatency): string[] {
  const lines = ['| family | runs | misses | setup errors | p50 ms | p99 ms | max ms |', '|---|---|---|---|---|---|---|'];
  for (const f of FAMILIES) {
    const s = summarize(m.samples.filter((x) => x.family === f.name));
    lines.push(`| ${f.name} | ${s.runs} | ${s.misses} | ${s.setupErrors} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`);
  }
  const all = summarize(m.samples);
  lines.push(`| **all** | ${all.runs} | ${all.misses} | ${all.setupErrors} | ${ms(all.p50)} | ${ms(all.p99)} | ${ms(all.max)} |`);
  return lines;
}

export interface DetectionResults {
  readonly quick: boolean;
  readonly rounds: number;
  readonly latency: readonly ModeLatency[];
  readonly cpu?: CpuResult;
  readonly cpuError?: string;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly loadBefore: readonly number[];
}

/** The Markdown section the lead merges into bench/RESULTS.md (starts at a level-2 heading). */
export function renderSection(r: DetectionResults): string {
  const out: string[] = [];
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const netlink = r.latency.find((m) => m.mode === 'netlink');
  const nl = netlink ? summarize(netlink.samples) : undefined;
  out.push('## Detection: reverse-shell alert latency and agent CPU at 100 execs/s', '');
  out.push(
    `Recorded ${r.startedAt.toISOString()} (${r.quick ? 'quick' : 'full'} run, ${r.seconds.toFixed(0)} s) on Linux ${release()}, ` +
      `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}. ` +
      `Load average before ${load(r.loadBefore)}, after ${load(loadavg())}: the machine is shared with other builds and tests, so absolute numbers are indicative.`,
    '',
  );
  if (nl) {
    const pass = nl.setupErrors < nl.runs && nl.p99 <= TARGET_P99_MS;
    const hits = netlink!.samples.flatMap((s) => (s.latencyMs === undefined ? [] : [s.latencyMs]));
    out.push(
      `**Target: p99 latency ≤ ${TARGET_P99_MS} ms in netlink mode — ${pass ? 'PASS' : 'FAIL'}** ` +
        `(p99 ${withUnit(nl.p99)} over ${nl.runs} runs with ${nl.misses} missed, misses counting as infinitely late; ` +
        `over the ${hits.length} detected runs alone p50 ${withUnit(percentile(hits, 50))}, p99 ${withUnit(percentile(hits, 99))}, max ${withUnit(hits.length ? Math.max(...hits) : Number.NaN)}).`,
      '',
    );
  }
  out.push(
    '### Alert latency (behavior start → alert)',
    '',
    `Latency = time the benchmark read the "Reverse Shell" alert for the pod on the agent's stdout (\`--output json\`) minus the time its TCP listener on the docker0 gateway accepted the shell's connection. ` +
      `The shell is wired to the socket within milliseconds of that connection, so this is behavior start to alert. ` +
      `Each run is a fresh kubelet-shaped pod (vigil-test/tools image); the container start (\`docker run -d\`, ${dockerStartText(r)}) happens before the connection and is not counted. ` +
      `${r.rounds} rounds, each running the six families one after another; one agent per mode. ` +
      `A miss = no alert within ${MISS_AFTER_MS / 1000} s of the connection (counted as infinitely late in p50/p99/max); a setup error = the pod never connected (not counted). ` +
      `Percentiles are nearest-rank: with ${r.rounds} runs per family p99 is the maximum.`,
    '',
  );
  for (const m of r.latency) {
    const how = m.mode === 'netlink' ? 'netlink proc connector for exec events' : `/proc polled for new pids every ${EXEC_POLL_INTERVAL_MS} ms (the default \`--exec-poll-interval-ms\`)`;
    out.push(`#### ${m.mode} mode: ${how}, process/socket scan every ${SCAN_INTERVAL_MS} ms (the default)`, '');
    out.push(`\`vigil agent --output json ${m.agentArgs.join(' ')}\`${m.agentExit === 0 ? '' : ` (agent exit code ${m.agentExit})`}`, '');
    out.push(...latencyTable(m), '');
    const wrong = m.samples.filter((s) => s.procName !== undefined && !['sh', 'bash'].includes(s.procName));
    if (wrong.length) out.push(`Alerts naming a process other than sh/bash: ${wrong.map((s) => `${s.family}: ${s.procName}`).join(', ')}.`, '');
    const misses = m.samples.filter((s) => !s.setupError && s.latencyMs === undefined);
    if (misses.length) {
      out.push(
        `Misses (${misses.length}): ${misses
          .map(
            (s) =>
              `${s.family} round ${s.round + 1} (${s.lateMs !== undefined ? `Reverse Shell alert after ${s.lateMs} ms` : 'no Reverse Shell alert before the pod was removed'}${
                s.unattributed
                  ? `; a Reverse Shell alert for the same connection came after ${s.unattributed.ms} ms but named pod ${s.unattributed.pod} (container.id ${s.unattributed.containerId})`
                  : ''
              }; other rules that alerted for the pod: ${s.otherRules?.length ? s.otherRules.join(', ') : 'none'})`,
          )
          .join('; ')}.`,
        '',
      );
    }
    const errs = m.samples.filter((s) => s.setupError);
    if (errs.length) out.push(`Setup errors: ${errs.map((s) => `${s.family} round ${s.round + 1}: ${s.setupError}`).join('; ')}.`, '');
  }
  out.push('### Exec coverage', '', 'Coverage of 1,000 short-lived processes (10 ms and 100 ms, host and container, netlink and poll) is measured by bench/exec (see bench/exec/RESULTS.md).', '');
  out.push('### Agent CPU at 100 execs/s', '');
  if (r.cpu) {
    const c = r.cpu;
    out.push(
      `\`vigil agent ${c.agentArgs.join(' ')}\` (rules/library loaded, alerts discarded). CPU = utime+stime of the agent process (all threads) from /proc/<pid>/stat, as % of one core. ` +
        `Load: a busybox container looping \`/bin/true; usleep\` plus a host-side driver spawning ${'`/bin/true`'} and \`sh -c 'exit 0'\` at 50/s. ` +
        `Exec rates are what the agent counted (\`vigil_events_total{type="execve"}\`), so they include other processes started on the shared machine meanwhile.`,
      '',
      '| window | seconds | execve events/s | exec watcher execs/s | agent CPU % of one core |',
      '|---|---|---|---|---|',
      `| idle | ${c.idle.seconds.toFixed(1)} | ${c.idle.execsPerSecond.toFixed(1)} | ${c.idle.watcherExecsPerSecond.toFixed(1)} | ${c.idle.percentOfCore.toFixed(2)} |`,
      `| loaded | ${c.loaded.seconds.toFixed(1)} | ${c.loaded.execsPerSecond.toFixed(1)} | ${c.loaded.watcherExecsPerSecond.toFixed(1)} | ${c.loaded.percentOfCore.toFixed(2)} |`,
      '',
      `Net cost: ${c.cpuMsPerExec.toFixed(2)} ms of agent CPU per exec ((loaded − idle CPU) / (loaded − idle exec rate)). ` +
        `Host driver spawned ${c.hostSpawned} processes; vigil_exec_events_lost_total at the end: ${c.lostEvents}.`,
      '',
    );
  } else {
    out.push(`Not measured: ${r.cpuError ?? 'skipped'}.`, '');
  }
  return out.join('\n');
}

function dockerStartText(r: DetectionResults): string {
  const xs = r.latency.flatMap((m) => m.samples.map((s) => s.dockerStartMs).filter((x): x is number => x !== undefined));
  return xs.length ? `median ${Math.round(median(xs))} ms, max ${Math.round(Math.max(...xs))} ms here` : 'not recorded';
}
