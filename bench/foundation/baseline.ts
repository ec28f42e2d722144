import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { median } from './stats.js';

const run = promisify(execFile);

/** What the scan is compared with: the same facts gathered with procps and iproute2. */
export const PS_COMMAND = 'ps -ww -eo pid,ppid,lstart,user,tty,comm,args';
export const SS_TCP_COMMAND = 'ss -tanp';
export const SS_TCP_UDP_COMMAND = 'ss -tuanp';

/**
 * CPU ms (user + sys) that one run of `command` costs, as the median of
 * `repeats` runs. Each run is a fresh `bash -c 'COMMAND >/dev/null; times'`:
 * the second line of bash's `times` is the CPU of bash's waited-for
 * children (getrusage(RUSAGE_CHILDREN), 1 ms resolution), so bash's own
 * start-up is not counted and the command's exec, dynamic linking and
 * locale loading are, as they would be for a script polling with ps and ss.
 */
export async function commandCpuMs(command: string, repeats: number): Promise<{ medianMs: number; samplesMs: number[] }> {
  const samplesMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const { stdout } = await run('bash', ['-c', `${command} >/dev/null 2>&1; times`], { timeout: 60_000 });
    samplesMs.push(childrenCpuMs(stdout));
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** Parses bash's `times` output ("0m0.001s 0m0.002s" for the shell, then for its children). */
export function childrenCpuMs(timesOutput: string): number {
  const lines = timesOutput.trim().split('\n');
  const children = lines[lines.length - 1] ?? '';
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)];
  if (parts.length !== 2) throw new Error(`cannot parse bash times output: ${JSON.stringify(timesOutput)}`);
  return parts.reduce((sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
}

export interface Baseline {
  readonly psMs: number;
  readonly ssTcpMs: number;
  readonly ssTcpUdpMs: number;
  /** ps + ss -tanp: the yardstick. */
  readonly totalMs: number;
}

export async function measureBaseline(repeats: number): Promise<Baseline> {
  const ps = await commandCpuMs(PS_COMMAND, repeats);
  const ssTcp = await commandCpuMs(SS_TCP_COMMAND, repeats);
  const ssTcpUdp = await commandCpuMs(SS_TCP_UDP_COMMAND, repeats);
  return { psMs: ps.medianMs, ssTcpMs: ssTcp.medianMs, ssTcpUdpMs: ssTcpUdp.medianMs, totalMs: ps.medianMs + ssTcp.medianMs };
}
