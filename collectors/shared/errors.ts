import { VigilError } from '../../core/errors.js';

/**
 * Errors of the /proc collectors (processes, sockets). Stable codes so logs
 * and vigil_component_errors_total can be grouped without parsing text.
 */
export type ProcErrorCode = 'VIGIL_ERR_PROC_READ' | 'VIGIL_ERR_PROC_PARSE' | 'VIGIL_ERR_PROC_SCAN' | 'VIGIL_ERR_NET_READ' | 'VIGIL_ERR_NET_DIAG' | 'VIGIL_ERR_NET_DIAG_UNAVAILABLE';

export class ProcError extends VigilError<ProcErrorCode> {}
