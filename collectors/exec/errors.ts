import { VigilError } from '../../core/errors.js';

/**
 * Errors of the exec-events collector. Stable codes so logs and
 * vigil_component_errors_total can be grouped without parsing text.
 */
export type ExecErrorCode =
  /** The netlink proc connector could not be opened, joined or subscribed. */
  | 'VIGIL_ERR_EXEC_NETLINK_UNAVAILABLE'
  /** The open netlink socket failed or closed while running. */
  | 'VIGIL_ERR_EXEC_NETLINK_SOCKET'
  /** /proc could not be listed (poll mode or catch-up). */
  | 'VIGIL_ERR_EXEC_PROC_LIST'
  /** An event listener threw. */
  | 'VIGIL_ERR_EXEC_LISTENER';

export class ExecError extends VigilError<ExecErrorCode> {}
