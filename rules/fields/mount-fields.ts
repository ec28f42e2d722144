import { compileGlob } from '../glob.js';
import type { ContainerMount, VigilEvent } from '../event.js';
import { keyed, plain } from './helpers.js';
import type { FieldDef, Getter } from './types.js';

/** Falco's `source:dest:mode:rdwr:propagation` (container_mount_info::to_string). */
const mountText = (m: ContainerMount): string => `${m.source}:${m.dest}:${m.mode}:${m.rdwr}:${m.propagation}`;

/**
 * container.mount*[ARG]: ARG a number picks the mount by index; otherwise
 * it is a glob (fnmatch, as libsinsp's mount_by_source/mount_by_dest) over
 * the mount's source, or over its destination for container.mount.source,
 * and the first mount that matches is taken. No such mount, a host process,
 * or a runtime that gave no mounts: the field is absent (`<NA>`).
 *
 * The container plugin (0.7.0) matches ARG as a regex found anywhere in the
 * path instead, so `container.mount.dest[/]` there matches every mount; the
 * plugin's README and libsinsp before it say glob, which is what vigil does.
 */
function mountField(name: string, desc: string, pick: (m: ContainerMount) => string, byDest: boolean): FieldDef {
  const make = (arg: string): Getter => {
    let find: (ms: readonly ContainerMount[]) => ContainerMount | undefined;
    if (/^\d+$/.test(arg)) {
      const i = Number(arg);
      find = (ms) => ms[i];
    } else {
      const re = compileGlob(arg, false);
      find = (ms) => ms.find((m) => re.test(byDest ? m.dest : m.source));
    }
    return (e: VigilEvent): string | undefined => {
      const ms = e.container?.mounts;
      if (ms === undefined) return undefined;
      const m = find(ms);
      return m === undefined ? undefined : pick(m);
    };
  };
  return keyed(name, 'string', desc, make, false, `${name}[N] or ${name}[PATH GLOB]`);
}

export const mountFields: readonly FieldDef[] = [
  plain('container.mounts', 'string', 'Every mount as source:dest:mode:rdwr:propagation, comma separated.', (e) => e.container?.mounts?.map(mountText).join(','), { derived: true }),
  mountField('container.mount', 'One mount as source:dest:mode:rdwr:propagation, by index or by a glob on its source.', mountText, false),
  mountField('container.mount.source', 'Source of a mount, by index or by a glob on its destination.', (m) => m.source, true),
  mountField('container.mount.dest', 'Destination of a mount, by index or by a glob on its source.', (m) => m.dest, false),
  mountField('container.mount.mode', 'Mode of a mount (Docker), by index or by a glob on its source.', (m) => m.mode, false),
  mountField('container.mount.rdwr', 'true when a mount is read-write, by index or by a glob on its source.', (m) => String(m.rdwr), false),
  mountField('container.mount.propagation', 'Propagation of a mount, by index or by a glob on its source.', (m) => m.propagation, false),
];
