import type { VigilEvent } from '../event.js';
import type { BoundField, FieldDef } from './types.js';

/**
 * libsinsp's get_env(name): the value of the first `NAME=value` entry with
 * a non-empty value, stripped of spaces at both ends; '' when there is none.
 */
function envValue(env: readonly string[], name: string): string {
  const n = name.length;
  for (const entry of env) {
    if (entry.length > n + 1 && entry.charCodeAt(n) === 61 /* = */ && entry.startsWith(name)) return entry.slice(n + 1).replace(/^ +| +$/g, '');
  }
  return '';
}

/**
 * proc.env: every entry joined by spaces (`A=1 B=2`, Falco's
 * concatenate_all_env); proc.env[NAME]: that variable's value ('' when it
 * is not set, as in Falco). Unknown (absent) when the environment was not
 * read: vigil reads /proc/<pid>/environ only while a loaded rule uses
 * proc.env, at most --max-cmdline-bytes of it.
 */
const procEnv: FieldDef = {
  name: 'proc.env',
  type: 'string',
  desc: 'Environment of the process as NAME=value entries joined by spaces; proc.env[NAME]: the value of NAME.',
  arg: 'optional',
  bind(arg): BoundField {
    if (arg === undefined) return { get: (e: VigilEvent) => e.proc?.env?.join(' '), type: 'string', any: false, derived: true };
    return { get: (e: VigilEvent) => (e.proc?.env === undefined ? undefined : envValue(e.proc.env, arg)), type: 'string', any: false };
  },
};

export const envFields: readonly FieldDef[] = [procEnv];
