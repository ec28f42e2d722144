import { VigilError } from '../../core/errors.js';

/**
 * Errors of the cgroup collector. Stable codes so logs and the
 * vigil_component_errors_total counter can be grouped without parsing text.
 */
export type CgroupErrorCode = 'VIGIL_ERR_CGROUP_LAYOUT' | 'VIGIL_ERR_CGROUP_WATCH' | 'VIGIL_ERR_CGROUP_READ' | 'VIGIL_ERR_CGROUP_PARSE';

export class CgroupError extends VigilError<CgroupErrorCode> {}
