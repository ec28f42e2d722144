export { createSocketTable } from './socket-table.js';
export type { PrefetchedTcp, SocketScan, SocketTable } from './socket-table.js';
export { parseProcNet, decodeAddress, decodeEndpoint } from './parse-net.js';
export type { NetRow } from './parse-net.js';
export { DEFAULT_TCP_FULL_READ_EVERY } from './socket-table.js';
export type { SocketTableConfig } from './socket-table.js';
export { tcpSignature } from './tcp-gate.js';
export type { OpenedElsewhere } from './unobserved-opens.js';
