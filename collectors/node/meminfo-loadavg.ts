/** /proc/meminfo and /proc/loadavg: two cheap reads for memory and load rules. */
import type { LoadSample, MemorySample } from './sample.js';

/** MemTotal and MemAvailable in bytes; undefined when either is missing (kernels before 3.14 lack MemAvailable). */
export function parseMeminfo(text: string): MemorySample | undefined {
  let total: number | undefined;
  let avail: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^(MemTotal|MemAvailable):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (!m) continue;
    // The kernel prints kB but means KiB.
    const bytes = Number(m[2]) * 1024;
    if (m[1] === 'MemTotal') total = bytes;
    else avail = bytes;
    if (total !== undefined && avail !== undefined) break;
  }
  if (total === undefined || avail === undefined) return undefined;
  return { totalBytes: total, availableBytes: avail };
}

export function parseLoadavg(text: string): LoadSample | undefined {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  if (![a, b, c].every((v) => v !== undefined && Number.isFinite(v))) return undefined;
  return { load1: a as number, load5: b as number, load15: c as number };
}
