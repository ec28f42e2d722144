/**
 * /proc/<pid>/mountinfo (proc(5)):
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent maj:min root mountpoint mount-options [optional fields...] - fstype source super-options
 * The kernel escapes space, tab, newline and backslash in paths as \ooo.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './errors.js';

export interface MountEntry {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly mountOptions: readonly string[];
  readonly superOptions: readonly string[];
}

export function unescapeOctal(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Malformed lines are skipped: one odd line must not hide every other filesystem. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    // The optional fields end at the first lone "-" after field 6.
    const sep = f.indexOf('-', 6);
    if (f.length < 7 || sep < 0 || f.length < sep + 3) continue;
    const mountpoint = f[4];
    const fstype = f[sep + 1];
    const source = f[sep + 2];
    if (mountpoint === undefined || fstype === undefined || source === undefined) continue;
    out.push({
      device: unescapeOctal(source),
      mountpoint: unescapeOctal(mountpoint),
      fstype,
      mountOptions: (f[5] ?? '').split(','),
      superOptions: (f[sep + 3] ?? '').split(','),
    });
  }
  return out;
}

export function isReadOnly(m: MountEntry): boolean {
  return m.mountOptions.includes('ro') || m.superOptions.includes('ro');
}

/** node_exporter's filter: exclude by mount point, then by fs type (unanchored search, as Go's MatchString). */
export function filterMounts(mounts: readonly MountEntry[], mountPointsExclude: RegExp, fsTypesExclude: RegExp): MountEntry[] {
  return mounts.filter((m) => !mountPointsExclude.test(m.mountpoint) && !fsTypesExclude.test(m.fstype));
}

/**
 * Removes the host-root prefix a mount point carries when it was read from
 * our own mount namespace (node_exporter's rootfsStripPrefix).
 */
export function stripRootPrefix(mountpoint: string, hostRoot: string): string {
  const root = hostRoot.replace(/\/+$/, '');
  if (root === '') return mountpoint;
  if (mountpoint === root) return '/';
  if (mountpoint.startsWith(`${root}/`)) return mountpoint.slice(root.length);
  return mountpoint;
}

/**
 * The host's mounts: those of pid 1 under procRoot. When pid 1 is hidden
 * (hidepid) or absent, falls back to our own namespace as node_exporter does,
 * stripping the hostRoot prefix from mount points.
 */
export async function readHostMounts(procRoot: string, hostRoot: string): Promise<MountEntry[]> {
  try {
    return parseMountinfo(await readFile(join(procRoot, '1', 'mountinfo'), 'utf8'));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!isNotFound(err) && code !== 'EACCES' && code !== 'EPERM') throw err;
  }
  const own = parseMountinfo(await readFile(join(procRoot, 'self', 'mountinfo'), 'utf8'));
  return own.map((m) => ({ ...m, mountpoint: stripRootPrefix(m.mountpoint, hostRoot) }));
}
