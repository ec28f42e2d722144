import { sameImage } from '../../collectors/exec/index.js';
import type { ProcessInfo } from '../../collectors/model.js';
import type { VigilEvent } from '../../rules/event.js';
import type { EventContext } from './context.js';
import { DupMemory, dupEvents, searchesRelays } from './dup-events.js';
import type { NetnsView } from './netns-view.js';
import { execveEvent, processKey, procexitEvent, stdioMayReachNetwork } from './process-events.js';

/** At most this often a fresh shell may ask for a scan out of schedule (the detection latency target is in bench/detection). */
const OUT_OF_SCHEDULE_SCAN_SPACING_MS = 200;

export interface ProcessWiringDeps {
  readonly ctx: EventContext;
  readonly netns: NetnsView;
  readonly emit: (e: VigilEvent) => void;
  /** A scan out of schedule: a fresh shell's socket may not be in the table yet. */
  readonly scanNow: () => void;
  /** How long a fresh shell keeps being checked for a network-bound stdio. */
  readonly pendingInspectionMs: number;
  readonly now?: () => number;
}

/**
 * The process family: execve when a program image is first seen (from an
 * exec event or a scan), procexit when a process that had one is gone, and
 * dup when its stdio reaches the network (directly or through a relay).
 * Processes found by the first scan were running before the agent started:
 * not new executions (Falco would not have seen their execve either), but
 * their stdio is still checked, so a reverse shell that predates the agent
 * is not missed.
 */
export class ProcessWiring {
  private readonly memory = new DupMemory();
  /** Per live process (pid + start), the program image its last execve event was for. */
  private readonly emittedExec = new Map<string, ProcessInfo>();
  /** Fresh shells whose socket may not be in the table yet: re-checked on the next scans. */
  private readonly pending = new Map<string, { pid: number; until: number }>();
  private baselineScan = true;
  private scanTimer: NodeJS.Timeout | undefined;
  private nextScanAtMs = 0;
  private readonly now: () => number;

  constructor(private readonly deps: ProcessWiringDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A process from an exec event (`fromExec`) or a scan. */
  seen(p: ProcessInfo, fromExec: boolean): void {
    this.deps.netns.note(p);
    const key = processKey(p);
    const last = this.emittedExec.get(key);
    // An exec in place (runc init -> the exec'd shell, nc -e -> sh) keeps pid
    // and start time: a new program image is a new execve, as in Falco.
    if (!last || !sameImage(last, p)) {
      this.emittedExec.set(key, p);
      if (fromExec || !this.baselineScan || last) this.deps.emit(execveEvent(p, this.deps.ctx));
    }
    if (!stdioMayReachNetwork(p)) return;
    const found = this.checkStdio(p);
    if (!found && fromExec && searchesRelays(p)) {
      this.pending.set(key, { pid: p.pid, until: this.now() + this.deps.pendingInspectionMs });
      this.requestScan();
    }
  }

  /** A process whose fds changed since the last scan. */
  changed(p: ProcessInfo): void {
    if (stdioMayReachNetwork(p)) this.checkStdio(p);
  }

  gone(p: ProcessInfo): void {
    const key = processKey(p);
    this.memory.forget(p);
    this.pending.delete(key);
    if (this.emittedExec.delete(key)) this.deps.emit(procexitEvent(p, this.deps.ctx));
  }

  /** After each scan: the first scan's processes are the baseline; fresh shells are checked again until found or expired. */
  scanDone(lookup: (pid: number) => ProcessInfo | undefined): void {
    this.baselineScan = false;
    const now = this.now();
    for (const [key, entry] of this.pending) {
      const p = lookup(entry.pid);
      if (!p || processKey(p) !== key || now > entry.until || this.checkStdio(p)) this.pending.delete(key);
    }
  }

  close(): void {
    clearTimeout(this.scanTimer);
  }

  private checkStdio(p: ProcessInfo): boolean {
    const events = dupEvents(p, this.deps.ctx, this.deps.netns.listening, this.memory);
    for (const e of events) this.deps.emit(e);
    return events.length > 0;
  }

  // Out-of-schedule scans for fresh shells, coalesced and spaced: a burst of
  // shell execs (probes, CI jobs) costs one scan per spacing, not one each.
  private requestScan(): void {
    if (this.scanTimer) return;
    this.scanTimer = setTimeout(
      () => {
        this.scanTimer = undefined;
        this.nextScanAtMs = this.now() + OUT_OF_SCHEDULE_SCAN_SPACING_MS;
        this.deps.scanNow();
      },
      Math.max(0, this.nextScanAtMs - this.now()),
    );
    this.scanTimer.unref();
  }
}
