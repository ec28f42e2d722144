import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory of another process, read from /proc the way `top` does.
 * utime + stime in /proc/<pid>/stat cover every thread of the process
 * (dead threads included), in USER_HZ ticks: 10 ms resolution, which is why
 * every window measured with it lasts long enough to hold hundreds of ticks.
 */
export const TICKS_PER_SECOND = 100;

/** utime + stime of `pid`, in milliseconds. */
export function cpuMsOf(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of one /proc/<pid>/stat line, in milliseconds. */
export function statCpuMs(stat: string): number {
  // comm (field 2) may hold spaces and parentheses: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime) || rest.length < 13) throw new Error(`malformed /proc stat line: ${stat.slice(0, 80)}`);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** VmRSS of `pid`, in bytes. */
export function rssBytesOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Processes on the host right now (numeric entries of /proc; threads are not counted). */
export function processCount(): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
