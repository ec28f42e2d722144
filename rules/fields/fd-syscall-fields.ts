import { plain } from './helpers.js';
import type { FieldDef } from './types.js';

/**
 * fd.* fields the syscall events need beyond the socket ones of
 * event-fields.ts: a file's directory and name (libsinsp's
 * sinsp_filtercheck_fd TYPE_DIRECTORY / TYPE_FILENAME), the raw path, and a
 * socket's connected state, name change and family.
 */

/** Falco's fd.directory / fd.filename split of a file path (sinsp_filtercheck_fd TYPE_DIRECTORY / TYPE_FILENAME). */
export function directoryOf(type: string, name: string): string {
  if (type === 'directory') return name;
  const pos = name.lastIndexOf('/');
  if (pos <= 0) return '/';
  return pos < name.length - 1 ? name.slice(0, pos) : name;
}

export function filenameOf(name: string): string {
  const pos = name.lastIndexOf('/');
  if (pos < 0) return '/';
  return pos < name.length - 1 ? name.slice(pos + 1) : name;
}

const isPath = (t: string): boolean => t === 'file' || t === 'directory';

export const fileFdFields: readonly FieldDef[] = [
  plain('fd.directory', 'string', 'For files, the directory the file is in; for directories, the directory itself.', (e) => {
    const f = e.fd;
    return f?.name !== undefined && isPath(f.type) ? directoryOf(f.type, f.name) : undefined;
  }),
  plain('fd.filename', 'string', 'For files, the file name without its directory.', (e) => {
    const f = e.fd;
    return f?.name !== undefined && f.type === 'file' ? filenameOf(f.name) : undefined;
  }),
  plain('fd.nameraw', 'string', 'For files, the path as the syscall gave it (not made absolute).', (e) => e.fd?.nameraw),
  plain('fd.connected', 'bool', "For TCP/UDP sockets, true when connected (a failed connect's socket is not).", (e) => e.fd?.connected),
  plain('fd.name_changed', 'bool', 'True when the event changed the name of its fd (a connect names its socket).', (e) => e.fd?.nameChanged),
  plain('fd.sockfamily', 'string', 'For sockets: ip or unix.', (e) => {
    const t = e.fd?.type;
    return t === 'ipv4' || t === 'ipv6' ? 'ip' : t === 'unix' ? 'unix' : undefined;
  }),
];
