export type { Component } from './component.js';
export type { CollectorDeps, ErrorReporter } from './deps.js';
export { createErrorReporter } from './error-reporter.js';
export { VigilError } from './errors.js';
