import { containerFields } from './container-fields.js';
import { edgeFields } from './edge-fields.js';
import { envFields } from './env-fields.js';
import { mountFields } from './mount-fields.js';
import { threadFields } from './thread-fields.js';
import { k8sFields, k8smetaFields } from './k8s-fields.js';
import { eventFields, fdFields } from './event-fields.js';
import { metricFields } from './metric-fields.js';
import { processFields } from './process.js';
import { fileFdFields } from './fd-syscall-fields.js';
import { syscallFields } from './syscall-fields.js';
import type { BoundField, FieldDef } from './types.js';

const ALL: readonly FieldDef[] = [
  ...eventFields,
  ...syscallFields,
  ...processFields,
  ...envFields,
  ...threadFields,
  ...fdFields,
  ...fileFdFields,
  ...containerFields,
  ...mountFields,
  ...k8sFields,
  ...k8smetaFields,
  ...edgeFields,
  ...metricFields,
];
const BY_NAME: ReadonlyMap<string, FieldDef> = new Map(ALL.map((f) => [f.name, f]));
/** Fields libsinsp also takes as `field.NAME` for `field[NAME]` (evt.arg.flags). */
const DOTTED = ['evt.arg', 'evt.rawarg'] as const;

/** `evt.arg.flags` is `evt.arg[flags]`. */
function dotted(name: string, arg: string | undefined): { def: FieldDef; arg: string } | undefined {
  if (arg !== undefined) return undefined;
  for (const base of DOTTED) {
    if (name.length > base.length + 1 && name.startsWith(base) && name[base.length] === '.') {
      const def = BY_NAME.get(base);
      if (def) return { def, arg: name.slice(base.length + 1) };
    }
  }
  return undefined;
}

/** Every field, in registry order (for `vigil rules fields`). */
export function listFields(): readonly FieldDef[] {
  return ALL;
}

export function getField(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

/** Binds `name[arg]`: a getter, or an error message (unknown field, bad argument). */
export function bindField(name: string, arg?: string): BoundField | string {
  const def = BY_NAME.get(name);
  if (def === undefined) {
    const d = dotted(name, arg);
    return d ? d.def.bind(d.arg) : `unknown field ${name}`;
  }
  return def.bind(arg);
}

/**
 * For the loader: whether vigil can provide this field. A rule that needs a
 * field we lack is loaded disabled instead of failing the file. A bad
 * argument on a field we have (proc.aname[x]) is not "lacking": the compiler
 * reports it as an error located at the rule.
 */
export function fieldExists(name: string, arg?: string): boolean {
  return BY_NAME.has(name) || dotted(name, arg) !== undefined;
}
