import type { CollectorDeps } from '../../core/deps.js';
import { outputText, type Alert } from './alert.js';
import { escapeControl } from './escape.js';
import { createStreamOutput, type AlertOutput, type StreamOutputConfig } from './output.js';

export interface PrettyOutputConfig extends StreamOutputConfig {
  /** ANSI colours by priority; the agent sets it only when stdout is a TTY. */
  readonly color: boolean;
}

const COLORS: Readonly<Record<string, string>> = {
  Emergency: '\x1b[1;41m',
  Alert: '\x1b[1;31m',
  Critical: '\x1b[1;31m',
  Error: '\x1b[31m',
  Warning: '\x1b[33m',
  Notice: '\x1b[36m',
  Informational: '\x1b[32m',
  Debug: '\x1b[2m',
};
const RESET = '\x1b[0m';

/** `<time> <Priority> [<rule>] <output>` — one line per alert. */
export function prettyLine(a: Alert, color: boolean): string {
  const c = color ? COLORS[a.priority] : undefined;
  const prio = c ? `${c}${a.priority}${RESET}` : a.priority;
  return `${a.time} ${prio} [${escapeControl(a.rule)}] ${outputText(a)}`;
}

export function createPrettyOutput(deps: CollectorDeps, cfg: PrettyOutputConfig): AlertOutput {
  return createStreamOutput(deps, 'pretty', cfg, (a) => prettyLine(a, cfg.color));
}
