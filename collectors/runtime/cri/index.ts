export { createCriClient, type CriClient } from './client.js';
export { CRI_SOCKET_CANDIDATES, detectCriSocket } from './detect.js';
export { CRI_RUNTIME_DEFAULTS, createCriRuntime, type CriRuntime, type CriRuntimeConfig } from './source.js';
export { CriError, type CriErrorCode } from './errors.js';
export type * from './types.js';
