export { ProcError } from './errors.js';
export type { ProcErrorCode } from './errors.js';
export { readBytes, readText, readLink, listDir, readIntoScratch, scratchBuffer } from './read.js';
export type { ReadMode } from './read.js';
