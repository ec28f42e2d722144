/**
 * The writable layer of a container: the `upperdir=` of the overlay mounted
 * on "/" as the process sees it in /proc/<pid>/mountinfo. undefined when the
 * root is not an overlay (vfs, btrfs, zfs storage drivers, or the host).
 *
 * A mountinfo line is
 *   ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
 * and the last mount on "/" wins (later mounts stack on earlier ones).
 */
export function rootOverlayUpperdir(mountinfo: string): string | undefined {
  let upper: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] !== '/') continue;
    const dash = fields.indexOf('-', 6);
    if (dash < 0) continue;
    const fstype = fields[dash + 1];
    const superOptions = fields[dash + 3];
    if (fstype !== 'overlay' || superOptions === undefined) {
      upper = undefined;
      continue;
    }
    upper = optionValue(superOptions, 'upperdir');
  }
  return upper;
}

function optionValue(options: string, key: string): string | undefined {
  // Values are octal-escaped by the kernel (\040 for space, \054 for comma),
  // so a plain split on ',' is safe.
  for (const opt of options.split(',')) {
    if (opt.startsWith(`${key}=`)) return unescapeOctal(opt.slice(key.length + 1));
  }
  return undefined;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
