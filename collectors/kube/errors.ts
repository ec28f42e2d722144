import { VigilError } from '../../core/errors.js';

export type KubeErrorCode = 'VIGIL_ERR_KUBE_GONE' | 'VIGIL_ERR_KUBE_HTTP' | 'VIGIL_ERR_KUBE_CONFIG' | 'VIGIL_ERR_KUBE_STREAM' | 'VIGIL_ERR_KUBE_TIMEOUT';

export class KubeError extends VigilError<KubeErrorCode> {
  constructor(
    code: KubeErrorCode,
    message: string,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
