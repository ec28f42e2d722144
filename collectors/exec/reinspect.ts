import { isReverseShellPart } from '../../core/programs.js';
import type { FdTarget, ProcessInfo } from '../model.js';
import type { ProcessProbe, ProcessReader } from './types.js';

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/**
 * True for a process worth re-reading after its exec: a shell, interpreter
 * or relay by name or by executable identity (a renamed copy of bash), a
 * process still named `exe` (a re-exec through /proc/self/exe, renamed a
 * moment later), and any process whose stdio is not a terminal or /dev/null:
 * whatever it is, its fds may be wired to a socket right after exec.
 */
export function needsReinspection(p: ProcessInfo): boolean {
  return isInterestingProcess(p) || p.exeClass !== undefined || p.comm === 'exe' || !p.stdio.every(isTerminalOrNull);
}

function isTerminalOrNull(t: FdTarget): boolean {
  return t.kind === 'tty' || (t.kind === 'file' && t.path === '/dev/null');
}

/** True for a process whose comm, executable or argv[0] names a program a reverse shell is made of (core/programs.ts). */
export function isInterestingProcess(p: ProcessInfo): boolean {
  if (isReverseShellPart(p.comm)) return true;
  if (p.exe !== '' && isReverseShellPart(basename(p.exe))) return true;
  const argv0 = p.args[0];
  return argv0 !== undefined && isReverseShellPart(basename(argv0));
}

function sameFd(a: FdTarget, b: FdTarget): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'pipe':
    case 'socket':
      return a.inode === (b as typeof a).inode;
    case 'file':
    case 'tty':
    case 'anon':
      return a.path === (b as typeof a).path;
    case 'none':
      return true;
  }
}

export function sameStdio(a: ProcessInfo['stdio'], b: ProcessInfo['stdio']): boolean {
  return sameFd(a[0], b[0]) && sameFd(a[1], b[1]) && sameFd(a[2], b[2]);
}

/**
 * Whether two reads of one pid show different program images: an exec in
 * place (`nc -e sh`, a re-exec through /proc/self/exe and its rename). The
 * executable's identity and argv decide, not only comm; a field a partial
 * read lacks does not count as a change.
 */
export function sameImage(a: ProcessInfo, b: ProcessInfo): boolean {
  if (a.comm !== b.comm) return false;
  if (a.exeId !== undefined && b.exeId !== undefined) {
    if (a.exeId !== b.exeId) return false;
  } else if (a.exe !== '' && b.exe !== '' && a.exe !== b.exe) return false;
  if (a.args.length === 0 || b.args.length === 0) return true;
  return a.args.length === b.args.length && a.args.every((arg, i) => arg === b.args[i]);
}

export interface ReinspectorOptions {
  /** Delays after exec, ascending, e.g. [50, 250]. */
  readonly delaysMs: readonly number[];
  /** Bound on processes waiting for a re-read; beyond it new ones are skipped (and counted). */
  readonly maxPending: number;
  readonly onChanged: (p: ProcessInfo) => void;
  readonly onSkipped: () => void;
  readonly onError: (err: unknown) => void;
}

/**
 * Re-reads a fresh process at each delay after its exec and reports it
 * whenever its stdio or its program image differs from the previous read.
 * With a probe, each step costs a stat read and three readlinks, and the
 * full read happens only when comm or stdio moved: most fresh processes are
 * re-read, so the common no-change step must stay cheap. Stops early when
 * the process is gone or its pid was reused (start time changed).
 */
export class Reinspector {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<number>();
  private stopped = false;

  constructor(
    private readonly reader: ProcessReader,
    private readonly opts: ReinspectorOptions,
    private readonly probe?: ProcessProbe,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  schedule(p: ProcessInfo): void {
    if (this.stopped || this.opts.delaysMs.length === 0 || p.partial) return;
    if (this.pending.has(p.pid)) return;
    if (this.pending.size >= this.opts.maxPending) {
      this.opts.onSkipped();
      return;
    }
    this.pending.add(p.pid);
    this.step(p, 0, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private step(last: ProcessInfo, index: number, elapsedMs: number): void {
    const at = this.opts.delaysMs[index];
    if (at === undefined) {
      this.pending.delete(last.pid);
      return;
    }
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        if (this.stopped) return;
        let next: ProcessInfo | undefined;
        try {
          const quick = this.probe?.(last.pid);
          if (quick === null) {
            this.pending.delete(last.pid);
            return;
          }
          if (quick !== undefined && quick.startTicks === last.startTicks && quick.comm === last.comm && sameStdio(last.stdio, quick.stdio)) {
            this.step(last, index + 1, at);
            return;
          }
          next = this.reader.read(last.pid);
        } catch (err) {
          this.opts.onError(err);
        }
        // Gone, reused, or gone midway (its stdio would read as closed): done.
        if (next === undefined || next.partial || next.startTicks !== last.startTicks) {
          this.pending.delete(last.pid);
          return;
        }
        let current = last;
        if (!sameStdio(last.stdio, next.stdio) || !sameImage(last, next)) {
          current = next;
          this.opts.onChanged(next);
        }
        this.step(current, index + 1, at);
      },
      Math.max(0, at - elapsedMs),
    );
    t.unref();
    this.timers.add(t);
  }
}
