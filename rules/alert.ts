import type { Priority } from './types.js';

/** Falco's JSON alert shape, so Falcosidekick and Falco parsers read it as is. */
export interface Alert {
  /** RFC3339 with nanoseconds. */
  readonly time: string;
  readonly rule: string;
  /** Falco's capitalization: Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug. */
  readonly priority: string;
  /** `<time of day>: <Priority> <formatted output>`, as Falco prints it. */
  readonly output: string;
  readonly output_fields: Record<string, string | number | boolean | null>;
  readonly hostname: string;
  readonly source: string;
  readonly tags: string[];
}

const CAPITALIZED: Readonly<Record<Priority, string>> = {
  EMERGENCY: 'Emergency',
  ALERT: 'Alert',
  CRITICAL: 'Critical',
  ERROR: 'Error',
  WARNING: 'Warning',
  NOTICE: 'Notice',
  INFORMATIONAL: 'Informational',
  DEBUG: 'Debug',
};

export function priorityText(p: Priority): string {
  return CAPITALIZED[p] ?? p;
}
