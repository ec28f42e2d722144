import { VigilError } from '../../core/errors.js';

/**
 * Errors of the push outputs. Stable codes, so logs and
 * vigil_component_errors_total group without parsing text.
 */
export type DeliveryErrorCode = 'VIGIL_ERR_OUTPUT_SEND' | 'VIGIL_ERR_OUTPUT_REJECTED' | 'VIGIL_ERR_SPOOL';

/** The receiver failed or did not answer; the batch stays spooled and is sent again. */
export class OutputSendError extends VigilError<DeliveryErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VIGIL_ERR_OUTPUT_SEND', message, options);
  }
}

/** The receiver refused an event for good (an HTTP 4xx other than 408/429): it is counted and not retried. */
export class OutputRejectedError extends VigilError<DeliveryErrorCode> {
  constructor(message: string) {
    super('VIGIL_ERR_OUTPUT_REJECTED', message);
  }
}

/** The spool's files disagree with what it knows of them (a file shortened behind its back). */
export class SpoolError extends VigilError<DeliveryErrorCode> {
  constructor(message: string) {
    super('VIGIL_ERR_SPOOL', message);
  }
}
