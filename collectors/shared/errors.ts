/**
 * Errors of the /proc collectors (processes, sockets). Stable codes so logs
 * and vigil_component_errors_total can be grouped without parsing text.
 */
export type ProcErrorCode =
  | 'VIGIL_ERR_PROC_READ'
  | 'VIGIL_ERR_PROC_PARSE'
  | 'VIGIL_ERR_PROC_SCAN'
  | 'VIGIL_ERR_NET_READ'
  | 'VIGIL_ERR_NET_DIAG'
  | 'VIGIL_ERR_NET_DIAG_UNAVAILABLE';

export class ProcError extends Error {
  readonly code: ProcErrorCode;
  constructor(code: ProcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcError';
    this.code = code;
  }
}

/**
 * A pid (or one of its fds) that vanished between listing and reading. Not
 * an error: /proc is a moving target. ESRCH comes from readlink on a task that
 * is being reaped; ENODEV/EINVAL don't belong here because they hint at a
 * broken mount rather than an exiting process.
 */
export function isChurn(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}
