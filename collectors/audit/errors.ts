import { VigilError } from '../../core/errors.js';

/**
 * Errors of the kernel audit source. Stable codes so logs and
 * vigil_component_errors_total can be grouped without parsing text.
 */
export type AuditErrorCode =
  /** NETLINK_AUDIT could not be opened or the kernel refused to talk (no CAP_AUDIT_CONTROL, not the initial namespaces). */
  | 'VIGIL_ERR_AUDIT_UNAVAILABLE'
  /** The kernel answered a request with an error (errno in the message). */
  | 'VIGIL_ERR_AUDIT_REQUEST'
  /** No answer to a request in time. */
  | 'VIGIL_ERR_AUDIT_TIMEOUT'
  /** The open socket failed or closed while running. */
  | 'VIGIL_ERR_AUDIT_SOCKET'
  /** An event listener threw. */
  | 'VIGIL_ERR_AUDIT_LISTENER';

export class AuditError extends VigilError<AuditErrorCode> {
  /** The errno the kernel answered (positive), for VIGIL_ERR_AUDIT_REQUEST. */
  readonly errno?: number;
  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown; errno?: number }) {
    super(code, message, options);
    if (options?.errno !== undefined) this.errno = options.errno;
  }
}
