import { statSync } from 'node:fs';
import { isChurn } from '../../core/errors.js';
import { readText } from '../shared/read.js';
import { rootOverlayUpperdir } from './parse-mountinfo.js';

/**
 * Whether a container process's executable comes from the container's
 * writable layer (Falco's proc.is_exe_upper_layer): dropped or modified in
 * the container after it started, not shipped in the image.
 *
 * How: the container's root is an overlay whose `upperdir=` (from the
 * process's own mountinfo) is a host directory holding exactly the files
 * written in the container. The exe path as the process sees it, looked up
 * under that directory on the host, exists iff the binary was written or
 * copied up. One mountinfo read per container (cached); one stat per new
 * process. Chosen over /proc/<pid>/map_files or st_dev tricks because an
 * overlay reports the same st_dev for upper and lower files.
 *
 * Storage drivers without layers visible in mountinfo (vfs, btrfs, zfs)
 * give undefined: unknown, not false.
 */
export interface UpperLayerProbe {
  isExeOnUpperLayer(pid: number, containerId: string, exe: string): boolean | undefined;
}

const MAX_CACHED_CONTAINERS = 4096;

export function createUpperLayerProbe(procRoot: string, hostRoot: string): UpperLayerProbe {
  // containerId -> upperdir ('' = not an overlay root, so unknown).
  const upperdirs = new Map<string, string>();

  function upperdirOf(pid: number, containerId: string): string | undefined {
    const cached = upperdirs.get(containerId);
    if (cached !== undefined) return cached || undefined;
    const text = readText(`${procRoot}/${pid}/mountinfo`);
    if (text === undefined) return undefined; // vanished: try again with the next process
    const upper = rootOverlayUpperdir(text) ?? '';
    if (upperdirs.size >= MAX_CACHED_CONTAINERS) {
      // Map keeps insertion order: drop the oldest container.
      const oldest = upperdirs.keys().next().value;
      if (oldest !== undefined) upperdirs.delete(oldest);
    }
    upperdirs.set(containerId, upper);
    return upper || undefined;
  }

  return {
    isExeOnUpperLayer(pid, containerId, exe) {
      if (!exe.startsWith('/')) return undefined;
      const upper = upperdirOf(pid, containerId);
      if (upper === undefined) return undefined;
      const path = exe.endsWith(' (deleted)') ? exe.slice(0, -' (deleted)'.length) : exe;
      try {
        return statSync(`${hostRoot}${upper}${path}`, { throwIfNoEntry: false })?.isFile() ?? false;
      } catch (err) {
        if (isChurn(err) || (err as { code?: string }).code === 'ENOTDIR') return false;
        throw err;
      }
    },
  };
}

/** '/host/proc' -> '/host', '/proc' -> '': where the host's / is seen. */
export function hostRootOf(procRoot: string): string {
  const trimmed = procRoot.replace(/\/+$/, '');
  return trimmed.endsWith('/proc') ? trimmed.slice(0, -'/proc'.length) : '';
}
