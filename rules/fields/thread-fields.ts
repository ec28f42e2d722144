import { plain } from './helpers.js';
import type { FieldDef } from './types.js';

/**
 * libsinsp's thread.cap_* (sinsp_filtercheck_thread.cpp): the CAP_* names of
 * the set, space separated, so `thread.cap_effective contains CAP_SYS_ADMIN`
 * and `icontains sys_module` read as in Falco. vigil reads them from
 * /proc/<pid>/status when the process is seen (container processes always,
 * host processes while a loaded rule uses them): a capset() after that is
 * not seen.
 */
export const threadFields: readonly FieldDef[] = [
  plain('thread.cap_effective', 'string', 'Effective capabilities: CAP_* names space separated.', (e) => e.proc?.capEffective),
  plain('thread.cap_permitted', 'string', 'Permitted capabilities: CAP_* names space separated.', (e) => e.proc?.capPermitted),
];
