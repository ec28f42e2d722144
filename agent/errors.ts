import { VigilError } from '../core/errors.js';

/**
 * The agent layer's errors. Codes are stable (scripts and tests match on
 * them); messages are for humans.
 */
export class VigilAgentError extends VigilError {}

/** One problem with one config key, always rendered as `path: message`. */
export interface ConfigIssue {
  /** The schema key (`scanIntervalMs`), or the flag/file/env name when no key applies. */
  readonly path: string;
  readonly message: string;
  /** Where the value came from: `flag --x`, `env VIGIL_X`, `file /etc/vigil.yaml`. */
  readonly origin?: string;
}

/** `path: message [from origin]`: a config problem has a key, not a file position (rules' is rules/load.ts formatIssue). */
export function formatConfigIssue(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.origin ? ` [from ${i.origin}]` : ''}`;
}

/** Bad flags, env or config file: the agent stops with exit code 2. */
export class ConfigError extends VigilAgentError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('VIGIL_ERR_CONFIG', issues.map(formatConfigIssue).join('\n'));
    this.issues = issues;
  }
}

/** A listener (metrics, gRPC) could not bind its address. */
export class ListenError extends VigilAgentError {
  constructor(addr: string, cause: unknown) {
    super('VIGIL_ERR_LISTEN', `cannot listen on ${addr}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
