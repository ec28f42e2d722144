import { readlinkSync } from 'node:fs';
import type { AuditSyscall } from '../../collectors/audit/types.js';
import type { VigilEvent } from '../../rules/event.js';
import type { AuditedConnections } from './audit-connections.js';
import { type AuditContext, auditEvent } from './audit-events.js';
import { SocketKinds } from './audit-sockets.js';
import type { EventContext } from './context.js';

/** The audit source as the event layer sees it (collectors/audit createAuditSource). */
export interface AuditSourceLike {
  onEvent(listener: (s: AuditSyscall) => void): () => void;
}

/** How long an audited execve waits for the exec watcher to report the same exec (then it is not emitted twice). */
export const EXEC_GRACE_MS = 250;
const MAX_PENDING_EXECS = 1_024;
/**
 * How long a record waits when neither its process nor its parent is in the
 * process table yet: the exec watcher reads a new process from /proc as it
 * starts, but its netlink socket and the audit source's are read in no fixed
 * order, so on a busy node the record can come first. Then it goes out with
 * what the record alone says.
 */
export const PROCESS_WAIT_MS = 300;
const WAIT_TICK_MS = 50;
const MAX_WAITING = 4_096;
const RECENT_EXEC_MS = 10_000;

export interface AuditWiringDeps {
  readonly ctx: EventContext;
  readonly emit: (e: VigilEvent) => void;
  /** Shared with the socket table (openedElsewhere) and the scan's socket events (covered). */
  readonly connections: AuditedConnections;
  /** Where a record that fails to map later (after waiting) is reported; one that fails at once throws to the caller. */
  readonly onError: (err: unknown) => void;
  readonly now?: () => number;
}

/**
 * The audit family: every audited syscall becomes Falco's event of that
 * name (audit-events.ts). Three of them need care:
 * - socket() calls are remembered (pid, fd → TCP or UDP) so a connect's
 *   protocol is known;
 * - connect/accept feed `connections` (the scan does not report them again;
 *   the netns TCP counters count them as observed);
 * - execve is also reported by the exec watcher: an audited one waits
 *   EXEC_GRACE_MS and is emitted only when the watcher did not report that
 *   exec (a process too short-lived for /proc, or polling missed it);
 * - a record of a process the table does not know, nor its parent, waits
 *   up to PROCESS_WAIT_MS for the exec watcher to read them.
 */
export class AuditWiring {
  private readonly kinds = new SocketKinds();
  private readonly recentExecs = new Map<number, { comm: string; exe: string; atMs: number }>();
  private readonly pendingExecs: { s: AuditSyscall; untilMs: number }[] = [];
  private execTimer: NodeJS.Timeout | undefined;
  private readonly waiting: { s: AuditSyscall; untilMs: number }[] = [];
  private waitTimer: NodeJS.Timeout | undefined;
  private readonly ctx: AuditContext;
  private readonly now: () => number;

  constructor(private readonly deps: AuditWiringDeps) {
    this.now = deps.now ?? Date.now;
    const procRoot = deps.ctx.procRoot;
    this.ctx = {
      ...deps.ctx,
      dirOf: (pid, fd) => {
        try {
          return readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
        } catch {
          return undefined; // gone: the path stays relative
        }
      },
      socketProto: (pid, fd) => this.kinds.proto(pid, fd),
      listeningPort: (pid, netns) => listeningPortOf(deps.ctx, pid, netns),
    };
  }

  handle(s: AuditSyscall): void {
    if (s.syscall === 'socket') this.kinds.note(s);
    if (s.syscall === 'execve' || s.syscall === 'execveat') {
      this.holdExec(s);
      return;
    }
    // Later records of a process wait behind its earlier ones (order per process).
    if (!this.known(s) || this.waiting.some((w) => w.s.pid === s.pid)) {
      this.wait(s);
      return;
    }
    this.map(s);
  }

  private known(s: AuditSyscall): boolean {
    return this.deps.ctx.process(s.pid) !== undefined || this.deps.ctx.process(s.ppid) !== undefined;
  }

  private wait(s: AuditSyscall): void {
    if (this.waiting.length >= MAX_WAITING) this.later(this.waiting.shift()!.s, (x) => this.map(x));
    this.waiting.push({ s, untilMs: this.now() + PROCESS_WAIT_MS });
    if (this.waitTimer !== undefined) return;
    this.waitTimer = setInterval(() => this.flushWaiting(), WAIT_TICK_MS);
    this.waitTimer.unref();
  }

  private flushWaiting(): void {
    const now = this.now();
    const blocked = new Set<number>();
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]!;
      if (!blocked.has(w.s.pid) && (w.untilMs <= now || this.known(w.s))) {
        this.waiting.splice(i, 1);
        this.later(w.s, (x) => this.map(x));
      } else {
        blocked.add(w.s.pid);
        i++;
      }
    }
    if (this.waiting.length === 0) {
      clearInterval(this.waitTimer);
      this.waitTimer = undefined;
    }
  }

  /** Runs a deferred step; a throw is reported, never left to the timer. */
  private later(s: AuditSyscall, step: (s: AuditSyscall) => void): void {
    try {
      step(s);
    } catch (err) {
      this.deps.onError(err);
    }
  }

  private map(s: AuditSyscall): void {
    const e = auditEvent(s, this.ctx);
    if (e === undefined) return;
    if (e.type === 'connect' || e.type === 'accept' || e.type === 'accept4') {
      if (e.fd !== undefined) {
        // The scan read its socket before this record arrived: that was the event.
        const scanned = this.deps.connections.reportedByScan(e);
        this.deps.connections.note(e, e.fd.l4proto, scanned);
        if (scanned) return;
      } else if (e.type !== 'connect' && s.exit !== undefined && s.exit >= 0 && s.sockaddr === undefined) this.anonymousAccept(s.pid, s.exit, s.timeMs);
    }
    this.deps.emit(e);
  }

  /** An accepted socket whose peer the record does not name: still an open of its netns (audit-connections.ts). */
  private anonymousAccept(pid: number, fd: number, atMs: number): void {
    const netns = this.deps.ctx.process(pid)?.netns;
    // Only a process listening on TCP accepted a TCP connection (not a unix socket's).
    if (netns === undefined || !ownsTcpListener(this.deps.ctx, pid, netns)) return;
    let inode: number | undefined;
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${this.deps.ctx.procRoot}/${pid}/fd/${fd}`));
      if (m) inode = Number(m[1]);
    } catch {
      // closed already: a connection too short for any scan
    }
    this.deps.connections.noteAnonymousAccept(netns, inode, atMs);
  }

  /** The exec watcher (or a scan) reported this process's current program. */
  execSeen(pid: number, comm: string, exe: string): void {
    this.recentExecs.set(pid, { comm, exe, atMs: this.now() });
  }

  close(): void {
    clearTimeout(this.execTimer);
    this.execTimer = undefined;
    this.pendingExecs.length = 0;
    clearInterval(this.waitTimer);
    this.waitTimer = undefined;
    this.waiting.length = 0;
  }

  private holdExec(s: AuditSyscall): void {
    if (s.exit !== undefined && s.exit < 0) {
      // A failed execve changes no process: nothing for the exec watcher to report.
      const e = auditEvent(s, this.ctx);
      if (e) this.deps.emit(e);
      return;
    }
    if (this.pendingExecs.length >= MAX_PENDING_EXECS) this.flushExecs(Number.POSITIVE_INFINITY);
    this.pendingExecs.push({ s, untilMs: this.now() + EXEC_GRACE_MS });
    this.execTimer ??= setTimeout(() => {
      this.execTimer = undefined;
      this.flushExecs(this.now());
    }, EXEC_GRACE_MS);
    this.execTimer.unref();
  }

  private flushExecs(upTo: number): void {
    while (this.pendingExecs.length > 0 && this.pendingExecs[0]!.untilMs <= upTo) {
      const { s } = this.pendingExecs.shift()!;
      const seen = this.recentExecs.get(s.pid);
      const reported = seen !== undefined && (seen.comm === s.comm || (s.exe !== undefined && seen.exe === s.exe));
      if (!reported)
        this.later(s, (x) => {
          const e = auditEvent(x, this.ctx);
          if (e) this.deps.emit(e);
        });
    }
    const old = this.now() - RECENT_EXEC_MS;
    for (const [pid, r] of this.recentExecs) if (r.atMs < old) this.recentExecs.delete(pid);
    if (this.pendingExecs.length > 0 && this.execTimer === undefined) {
      this.execTimer = setTimeout(
        () => {
          this.execTimer = undefined;
          this.flushExecs(this.now());
        },
        Math.max(0, this.pendingExecs[0]!.untilMs - this.now()),
      );
      this.execTimer.unref();
    }
  }
}

function ownsTcpListener(ctx: EventContext, pid: number, netns: number): boolean {
  for (const s of ctx.socketsInNetns(netns)) if (s.state === 'LISTEN' && s.proto.startsWith('tcp') && s.pids.includes(pid)) return true;
  return false;
}

/** The server end of an accept: the one TCP port the process listens on in its netns (none when it has several). */
function listeningPortOf(ctx: EventContext, pid: number, netns: number | undefined): { addr: string; port: number } | undefined {
  if (netns === undefined) return undefined;
  let found: { addr: string; port: number } | undefined;
  for (const s of ctx.socketsInNetns(netns)) {
    if (s.state !== 'LISTEN' || !s.proto.startsWith('tcp') || !s.pids.includes(pid)) continue;
    if (found && found.port !== s.localPort) return undefined;
    found ??= { addr: s.localAddr, port: s.localPort };
  }
  return found;
}
