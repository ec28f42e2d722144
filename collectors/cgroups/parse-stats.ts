/**
 * Pure parsers for cgroup (v1 and v2) and /proc stat files. They never throw:
 * hostile or truncated text yields what could be read, and a malformed line
 * is counted in `bad` so the caller can report it once.
 */

export interface Parsed<T> {
  readonly value: T;
  /** Lines that did not have the expected shape. */
  readonly bad: number;
}

const UINT = /^\d{1,20}$/;

/** A non-negative integer (cgroup counters); undefined for anything else. */
export function parseUint(text: string): number | undefined {
  const t = text.trim();
  if (!UINT.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * `key value` lines (memory.stat, cpu.stat, cpuacct.stat). Keys are kept in a
 * Map so a hostile key like `__proto__` cannot touch object prototypes.
 */
export function parseFlatKeyed(text: string): Parsed<Map<string, number>> {
  const out = new Map<string, number>();
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    if (sp <= 0) {
      bad++;
      continue;
    }
    const v = parseUint(line.slice(sp + 1));
    if (v === undefined) {
      bad++;
      continue;
    }
    out.set(line.slice(0, sp), v);
  }
  return { value: out, bad };
}

export interface DeviceIo {
  /** `major:minor` */
  readonly device: string;
  readonly readBytes: number;
  readonly writeBytes: number;
}

const DEV = /^\d{1,10}:\d{1,10}$/;

/**
 * cgroup v1 blkio.throttle.io_service_bytes(_recursive):
 *   `8:0 Read 4096` ... `8:0 Total 8192` ... `Total 8192`
 */
export function parseBlkioServiceBytes(text: string): Parsed<DeviceIo[]> {
  const byDev = new Map<string, { r: number; w: number }>();
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const f = line.split(' ');
    if (f.length === 2 && f[0] === 'Total') continue;
    if (f.length !== 3 || !DEV.test(f[0]!)) {
      bad++;
      continue;
    }
    const v = parseUint(f[2]!);
    if (v === undefined) {
      bad++;
      continue;
    }
    const e = byDev.get(f[0]!) ?? { r: 0, w: 0 };
    if (f[1] === 'Read') e.r = v;
    else if (f[1] === 'Write') e.w = v;
    byDev.set(f[0]!, e);
  }
  return { value: [...byDev].map(([device, e]) => ({ device, readBytes: e.r, writeBytes: e.w })), bad };
}

/** cgroup v2 io.stat: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0` */
export function parseIoStat(text: string): Parsed<DeviceIo[]> {
  const out: DeviceIo[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const f = line.trim().split(/\s+/);
    if (!DEV.test(f[0] ?? '')) {
      bad++;
      continue;
    }
    let r = 0;
    let w = 0;
    for (const kv of f.slice(1)) {
      const eq = kv.indexOf('=');
      const v = eq > 0 ? parseUint(kv.slice(eq + 1)) : undefined;
      if (v === undefined) {
        bad++;
        continue;
      }
      const k = kv.slice(0, eq);
      if (k === 'rbytes') r = v;
      else if (k === 'wbytes') w = v;
    }
    out.push({ device: f[0]!, readBytes: r, writeBytes: w });
  }
  return { value: out, bad };
}

export interface InterfaceStats {
  readonly iface: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDropped: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDropped: number;
}

/**
 * /proc/<pid>/net/dev. Two header lines, then
 * `  eth0: rxBytes rxPackets rxErrs rxDrop fifo frame compressed multicast txBytes txPackets txErrs txDrop ...`
 */
export function parseNetDev(text: string): Parsed<InterfaceStats[]> {
  const out: InterfaceStats[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue; // header lines ("Inter-|", " face |") and blanks
    const iface = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const n = f.map((x) => parseUint(x));
    if (iface.length === 0 || f.length < 16 || n.some((x) => x === undefined)) {
      bad++;
      continue;
    }
    const v = n as number[];
    out.push({
      iface,
      rxBytes: v[0]!,
      rxPackets: v[1]!,
      rxErrors: v[2]!,
      rxDropped: v[3]!,
      txBytes: v[8]!,
      txPackets: v[9]!,
      txErrors: v[10]!,
      txDropped: v[11]!,
    });
  }
  return { value: out, bad };
}

/** cgroup.procs: one pid a line. Returns the pids that parse. */
export function parsePids(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const p = parseUint(line);
    if (p !== undefined && p > 0) out.push(p);
  }
  return out;
}

/** /proc/partitions: `major minor #blocks name` → Map('8:0' → 'sda'). */
export function parsePartitions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || parseUint(f[0]!) === undefined || parseUint(f[1]!) === undefined) continue;
    if (!/^[\w.!-]+$/.test(f[3]!)) continue;
    out.set(`${f[0]}:${f[1]}`, f[3]!);
  }
  return out;
}
