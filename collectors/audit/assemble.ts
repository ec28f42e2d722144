import { buildSyscall } from './build.js';
import { AUDIT_EOE, AUDIT_FIRST_EVENT, AUDIT_LAST_EVENT } from './proto.js';
import type { AuditRecord } from './records.js';
import type { AuditSyscall } from './types.js';

/**
 * How a record group ended: `eoe` (the kernel's end-of-event record),
 * `timeout` (no EOE within timeoutMs: the kernel lost it or never sends one),
 * `evicted` (more groups open than maxGroups: the oldest closes early),
 * `flushed` (the source stopped).
 */
export type GroupClose = 'eoe' | 'timeout' | 'evicted' | 'flushed';

export interface AssemblerOptions {
  readonly timeoutMs: number;
  /** Open groups at most; bounds memory when EOEs go missing. */
  readonly maxGroups: number;
  /** Records kept per group at most (a huge argv spans many EXECVE records). */
  readonly maxRecordsPerGroup: number;
}

export interface AssemblerSink {
  event(e: AuditSyscall): void;
  /** A group closed; `syscall` false when it held no SYSCALL record (not a syscall event). */
  closed(how: GroupClose, syscall: boolean): void;
  /** Records dropped because their group was full. */
  recordsDropped(n: number): void;
}

interface Group {
  readonly records: AuditRecord[];
  readonly openedMs: number;
}

/**
 * Groups records by serial into one syscall each. Records of a serial may
 * interleave with other serials (several CPUs), so groups stay open side by
 * side; a Map keeps them in arrival order, so the oldest is always first.
 */
export class AuditAssembler {
  private readonly groups = new Map<number, Group>();

  constructor(
    private readonly opts: AssemblerOptions,
    private readonly sink: AssemblerSink,
  ) {}

  /** Whether a record type belongs to a syscall event (others are not the source's business). */
  static isEventRecord(type: number): boolean {
    return type >= AUDIT_FIRST_EVENT && type <= AUDIT_LAST_EVENT;
  }

  get open(): number {
    return this.groups.size;
  }

  push(rec: AuditRecord, nowMs: number): void {
    let g = this.groups.get(rec.serial);
    if (rec.type === AUDIT_EOE) {
      if (g) this.close(rec.serial, g, 'eoe');
      return;
    }
    if (!g) {
      while (this.groups.size >= this.opts.maxGroups) {
        const [serial, oldest] = this.groups.entries().next().value as [number, Group];
        this.close(serial, oldest, 'evicted');
      }
      g = { records: [], openedMs: nowMs };
      this.groups.set(rec.serial, g);
    }
    if (g.records.length >= this.opts.maxRecordsPerGroup) {
      this.sink.recordsDropped(1);
      return;
    }
    g.records.push(rec);
  }

  /** Closes groups open longer than timeoutMs; returns how many. */
  expire(nowMs: number): number {
    let n = 0;
    for (const [serial, g] of this.groups) {
      if (nowMs - g.openedMs < this.opts.timeoutMs) break;
      this.close(serial, g, 'timeout');
      n++;
    }
    return n;
  }

  flush(): void {
    for (const [serial, g] of this.groups) this.close(serial, g, 'flushed');
  }

  private close(serial: number, g: Group, how: GroupClose): void {
    this.groups.delete(serial);
    const e = buildSyscall(g.records);
    this.sink.closed(how, e !== undefined);
    if (e) this.sink.event(e);
  }
}
