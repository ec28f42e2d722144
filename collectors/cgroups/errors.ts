/**
 * Errors of the cgroup collector. Stable codes so logs and the
 * vigil_component_errors_total counter can be grouped without parsing text.
 */
export type CgroupErrorCode =
  | 'VIGIL_ERR_CGROUP_LAYOUT'
  | 'VIGIL_ERR_CGROUP_WATCH'
  | 'VIGIL_ERR_CGROUP_READ'
  | 'VIGIL_ERR_CGROUP_PARSE';

export class CgroupError extends Error {
  readonly code: CgroupErrorCode;
  constructor(code: CgroupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CgroupError';
    this.code = code;
  }
}

/** A file or directory that vanished between listing and reading: churn, not an error. */
export function isChurn(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'ENODEV';
}
