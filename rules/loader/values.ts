import type { Priority } from '../types.js';

/** yaml-cpp's boolean spellings, which Falco's rule files may use. */
const TRUE = new Set(['true', 'yes', 'on', 'y']);
const FALSE = new Set(['false', 'no', 'off', 'n']);

export function parseBool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

const PRIORITIES: Readonly<Record<string, Priority>> = {
  emergency: 'EMERGENCY',
  alert: 'ALERT',
  critical: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  notice: 'NOTICE',
  informational: 'INFORMATIONAL',
  info: 'INFORMATIONAL',
  debug: 'DEBUG',
};

/** Falco's priorities, case-insensitive, with `info` for informational. */
export function parsePriority(text: string): Priority | undefined {
  return PRIORITIES[text.trim().toLowerCase()];
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `5m`, `300ms`, `1h30m`, `1.5s`, or an integer number of seconds (`300`).
 * Returns milliseconds, or an error message.
 */
export function parseDuration(text: string): number | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return `'${text}' is not a duration (use e.g. 500ms, 30s, 5m, 1h, or seconds as an integer)`;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (t.length === 0) return 'duration is empty';
  if (!Number.isFinite(total)) return `'${text}' is out of range`;
  return Math.round(total);
}

/** x.y.z of a required_engine_version value: Falco's integers N mean 0.N.0. */
export function parseEngineVersion(text: string): [number, number, number] | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return [0, Number(t), 0];
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]*)?$/.exec(t);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Falco's compatible_with: same major, and at least the required minor.patch. */
export function engineSatisfies(engine: readonly number[], required: readonly number[]): boolean {
  if (engine[0] !== required[0]) return false;
  for (let i = 1; i < 3; i++) {
    if (engine[i]! > required[i]!) return true;
    if (engine[i]! < required[i]!) return false;
  }
  return true;
}
