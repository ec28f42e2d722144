import { listFields } from '../fields/index.js';
import { type CliIO, helpOrUnknown } from './test.js';

const USAGE = 'usage: vigil rules fields [--json] [PREFIX]';

/** `vigil rules fields`: every field a condition or output can use, with its type and description. */
export function runRulesFields(argv: readonly string[], io: CliIO): number {
  let json = false;
  let prefix = '';
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a.startsWith('-')) return helpOrUnknown(a, USAGE, io);
    else prefix = a;
  }
  const fields = listFields().filter((f) => f.name.startsWith(prefix));
  const shown = fields.map((f) => ({
    name: f.arg === 'required' ? `${f.name}[ARG]` : f.arg === 'optional' ? `${f.name}[N]` : f.name,
    type: f.type,
    origin: f.vigil ? 'vigil' : 'falco',
    desc: f.desc,
  }));
  if (json) {
    for (const f of shown) io.stdout(JSON.stringify(f));
    return 0;
  }
  const w = Math.max(...shown.map((f) => f.name.length), 4);
  const tw = Math.max(...shown.map((f) => f.type.length), 4);
  io.stdout(`${'FIELD'.padEnd(w)}  ${'TYPE'.padEnd(tw)}  DESCRIPTION`);
  for (const f of shown) io.stdout(`${f.name.padEnd(w)}  ${f.type.padEnd(tw)}  ${f.desc}${f.origin === 'vigil' ? ' (vigil)' : ''}`);
  return 0;
}
