import { Writable } from 'node:stream';
import type { Alert } from '../../../rules/alert.js';

export { memoryLogger, metricValue, recordingErrors, testDeps } from '../../helpers/deps.js';

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
