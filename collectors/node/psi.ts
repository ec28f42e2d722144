/**
 * Pressure stall information, /proc/pressure/{cpu,io,memory}:
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
 * `total` is in microseconds.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './errors.js';
import type { PsiLine, PsiResource, PsiSample } from './sample.js';

export const PSI_RESOURCES = ['cpu', 'io', 'memory'] as const;
export type PsiResourceName = (typeof PSI_RESOURCES)[number];

export function parsePsi(text: string): PsiResource {
  const out: { some?: PsiLine; full?: PsiLine } = {};
  for (const line of text.split('\n')) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const kv = new Map<string, number>();
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq > 0) kv.set(p.slice(0, eq), Number(p.slice(eq + 1)));
    }
    const total = kv.get('total');
    if (total === undefined || !Number.isFinite(total)) continue;
    out[kind] = {
      avg10: kv.get('avg10') ?? 0,
      avg60: kv.get('avg60') ?? 0,
      avg300: kv.get('avg300') ?? 0,
      totalSeconds: total / 1e6,
    };
  }
  return out;
}

/**
 * Reads the three PSI files. A missing /proc/pressure (kernel without PSI, or
 * booted with psi=0) yields undefined: no PSI series, not an error. Other
 * failures are thrown to the caller, which reports them.
 */
export async function readPsi(procRoot: string): Promise<PsiSample | undefined> {
  const results = await Promise.all(
    PSI_RESOURCES.map(async (r) => {
      try {
        return parsePsi(await readFile(join(procRoot, 'pressure', r), 'utf8'));
      } catch (err) {
        // EOPNOTSUPP: the files exist but PSI was disabled at boot.
        if (isNotFound(err) || (err as { code?: string }).code === 'EOPNOTSUPP') return undefined;
        throw err;
      }
    }),
  );
  const [cpu, io, memory] = results;
  if (!cpu && !io && !memory) return undefined;
  const out: { cpu?: PsiResource; io?: PsiResource; memory?: PsiResource } = {};
  if (cpu) out.cpu = cpu;
  if (io) out.io = io;
  if (memory) out.memory = memory;
  return out;
}
