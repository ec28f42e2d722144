/**
 * statfs of every included mount, bounded in time. A hung mount (dead NFS
 * server) makes statfs block forever in a libuv pool thread; the scan must
 * still finish. So each call races a timer; on timeout the mount is marked
 * stuck and reported as node_filesystem_device_error 1, and no new statfs is
 * issued on it until the stuck call settles, so a hung mount holds at most
 * one pool thread however many scans run (node_exporter's stuckMounts).
 *
 * A hung call still holds one of libuv's threads (4 by default, shared with
 * every fs read of the agent, /proc included). So once `maxStuck` mounts are
 * stuck, network and FUSE mounts (the ones that hang) are no longer statted
 * at all until some stuck call settles: they report device_error with reason
 * 'stuck-limit'. Local block filesystems keep being measured.
 */
import { statfs as fsStatfs } from 'node:fs/promises';
import { join } from 'node:path';
import { isReadOnly, type MountEntry } from './mountinfo.js';
import type { FilesystemSample } from './sample.js';

/** The fields of fs.StatFs we use; block counts are in units of bsize. */
export interface StatfsResult {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

export type StatfsFn = (path: string) => Promise<StatfsResult>;

export const defaultStatfs: StatfsFn = (path) => fsStatfs(path);

export interface FilesystemScannerOptions {
  readonly hostRoot: string;
  readonly timeoutMs: number;
  readonly statfs?: StatfsFn;
  /** How many statfs calls run at once (node_exporter's stat-workers default). */
  readonly concurrency?: number;
  /** Stuck calls tolerated before remote/FUSE mounts are skipped (default 2: half of libuv's default pool). */
  readonly maxStuck?: number;
}

/** Filesystem types whose statfs can block on a network peer or a user-space daemon. */
export const REMOTE_FS_TYPES = /^(nfs4?|cifs|smb3?|smbfs|ceph|glusterfs|9p|afs|lustre|gpfs|beegfs|fuse(\..+)?|fuseblk|sshfs|davfs|s3fs)$/;

type Outcome = { ok: StatfsResult } | { err: string };

export class FilesystemScanner {
  private readonly statfs: StatfsFn;
  private readonly stuck = new Set<string>();
  /** Calls issued to the statfs function, for tests (and to prove no pile-up). */
  issued = 0;

  constructor(private readonly opts: FilesystemScannerOptions) {
    this.statfs = opts.statfs ?? defaultStatfs;
  }

  /** Paths whose statfs timed out and has not settled yet. */
  stuckPaths(): string[] {
    return [...this.stuck];
  }

  /** Never rejects: every failure becomes deviceError on its mount. */
  async scan(mounts: readonly MountEntry[]): Promise<FilesystemSample[]> {
    // Prometheus rejects duplicate series: keep the first of identical label sets.
    const seen = new Set<string>();
    const unique: MountEntry[] = [];
    for (const m of mounts) {
      const key = `${m.device}\0${m.mountpoint}\0${m.fstype}`;
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push(m);
    }
    const out = new Array<FilesystemSample>(unique.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < unique.length) {
        const i = next++;
        out[i] = await this.statOne(unique[i] as MountEntry);
      }
    };
    const n = Math.max(1, Math.min(this.opts.concurrency ?? 4, unique.length));
    await Promise.all(Array.from({ length: n }, worker));
    return out;
  }

  private statPath(mountpoint: string): string {
    return this.opts.hostRoot === '/' ? mountpoint : join(this.opts.hostRoot, mountpoint);
  }

  private async statOne(m: MountEntry): Promise<FilesystemSample> {
    const path = this.statPath(m.mountpoint);
    if (this.stuck.has(path)) return errorSample(m, 'stuck');
    if (this.stuck.size >= (this.opts.maxStuck ?? 2) && REMOTE_FS_TYPES.test(m.fstype)) {
      return errorSample(m, 'stuck-limit');
    }
    let call: Promise<Outcome>;
    try {
      this.issued++;
      call = this.statfs(path).then(
        (ok) => ({ ok }),
        (e: unknown) => ({ err: String((e as { code?: unknown })?.code ?? e) }),
      );
    } catch (e) {
      return errorSample(m, String((e as { code?: unknown })?.code ?? e));
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.opts.timeoutMs);
      timer.unref();
    });
    const r = await Promise.race([call, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.stuck.add(path);
      void call.then(() => this.stuck.delete(path));
      return errorSample(m, 'timeout');
    }
    if ('err' in r) return errorSample(m, r.err);
    const s = r.ok;
    const size = s.blocks * s.bsize;
    const free = s.bfree * s.bsize;
    const avail = s.bavail * s.bsize;
    const used = size - free;
    const sample: FilesystemSample = {
      device: m.device,
      mountpoint: m.mountpoint,
      fstype: m.fstype,
      sizeBytes: size,
      freeBytes: free,
      availBytes: avail,
      files: s.files,
      filesFree: s.ffree,
      readonly: isReadOnly(m),
      deviceError: false,
    };
    return used + avail > 0 ? { ...sample, usedRatio: used / (used + avail) } : sample;
  }
}

function errorSample(m: MountEntry, reason: string): FilesystemSample {
  return {
    device: m.device,
    mountpoint: m.mountpoint,
    fstype: m.fstype,
    sizeBytes: 0,
    freeBytes: 0,
    availBytes: 0,
    files: 0,
    filesFree: 0,
    readonly: isReadOnly(m),
    deviceError: true,
    errorReason: reason,
  };
}
