import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { CollectorDeps, ErrorReporter } from '../../../core/deps.js';
import type { Alert } from '../../../rules/alert.js';

/** A logger that keeps its records in memory. */
export function memoryLogger(level = 'debug'): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const dest = { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) };
  return { log: pino({ level }, dest), records };
}

export function recordingErrors(): ErrorReporter & { calls: { component: string; stage: string; err: unknown }[] } {
  const calls: { component: string; stage: string; err: unknown }[] = [];
  return { calls, report: (component, stage, err) => void calls.push({ component, stage, err }) };
}

export function testDeps(): CollectorDeps & { errors: ReturnType<typeof recordingErrors> } {
  return { log: memoryLogger().log, registry: new Registry(), errors: recordingErrors() };
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

/** A stream that accepts `highWaterMark` bytes, then holds further writes until release() (a slow reader). */
export class SlowStream extends Writable {
  readonly chunks: string[] = [];
  private held: (() => void)[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    this.held.push(() => cb());
  }
  /** Completes every pending write (and the ones they unblock). */
  release(): void {
    while (this.held.length > 0) this.held.shift()!();
  }
}

export function sampleAlert(over: Partial<Alert> = {}): Alert {
  return {
    time: '2024-05-01T10:00:00.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Notice',
    output: '10:00:00.123456789: Notice A shell was spawned in a container (user=root container_id=abc)',
    output_fields: { 'user.name': 'root', 'container.id': 'abc', 'proc.tty': 34816, 'k8s.ns.name': null },
    hostname: 'node-1',
    source: 'syscall',
    tags: ['container', 'shell', 'mitre_execution'],
    ...over,
  };
}
