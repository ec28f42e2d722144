export { createHttpServer } from './server.js';
export type { HttpServer, HttpServerConfig } from './server.js';
export { createHttpHandler } from './handler.js';
export type { HandlerDeps } from './handler.js';
export { createLiveness } from './liveness.js';
export type { Liveness } from './liveness.js';
