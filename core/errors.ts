/**
 * The one error shape of every layer: a stable `code` (`VIGIL_ERR_*`, which
 * scripts, logs and tests match on) and a human message, with `cause`. Each
 * layer declares its codes in its own errors.ts and subclasses this.
 */
export class VigilError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The errno name of a Node.js system error (`ENOENT`), else undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Churn, not an error: a pid, fd, file or cgroup that went away between
 * listing and reading it. /proc and cgroupfs are moving targets, so these
 * are neither counted nor logged. ENOENT: the entry is gone; ESRCH: readlink
 * on a task being reaped. ENODEV counts as churn too, deliberately: cgroupfs
 * answers it for a file of a cgroup being removed (a container stopping),
 * and /proc for a task whose mm is already torn down. A broken mount does
 * not hide behind it: it fails the directory listing first (readdir of /proc
 * or of the cgroup root), which is never filtered through here.
 */
export function isChurn(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ESRCH' || code === 'ENODEV';
}
