export { createAuditSource } from './source.js';
export type { AuditSource, AuditSourceConfig, AuditStatus } from './source.js';
export type { AuditMode } from './metrics.js';
export type { AuditPath, AuditPlan, AuditSockaddr, AuditSyscall } from './types.js';
export { hostSyscallTable, syscallTable } from './syscalls.js';
export type { SyscallTable, AuditArchName } from './syscalls.js';
export { AuditError } from './errors.js';
export type { AuditErrorCode } from './errors.js';
