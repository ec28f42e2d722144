import { access } from 'node:fs/promises';
import type { Component } from '../../core/component.js';
import type { CollectorDeps } from '../../core/deps.js';
import { openRawNetlink } from '../shared/netlink.js';
import { AuditAssembler } from './assemble.js';
import { AuditChannel, type NetlinkSocketLike, type OpenNetlink } from './channel.js';
import { AuditError } from './errors.js';
import { type AuditLossReason, type AuditMode, createAuditMetrics } from './metrics.js';
import {
  AUDIT_ADD_RULE,
  AUDIT_DEL_RULE,
  AUDIT_GET,
  AUDIT_LIST_RULES,
  AUDIT_LOCKED,
  AUDIT_NLGRP_READLOG,
  AUDIT_SET,
  AUDIT_STATUS_BACKLOG_LIMIT,
  AUDIT_STATUS_ENABLED,
  AUDIT_STATUS_PID,
  AUDIT_STATUS_RATE_LIMIT,
  type AuditStatusWire,
  decodeRule,
  decodeStatus,
  encodeStatusSet,
  encodeSyscallRule,
  NETLINK_AUDIT,
} from './proto.js';
import { parseRecord } from './records.js';
import { hostSyscallTable, type SyscallTable } from './syscalls.js';
import type { AuditPlan, AuditSyscall } from './types.js';

export interface AuditSourceConfig {
  /** off: never touches audit; auto: audits when the kernel allows, else off; on: not being able to audit is a failed start. */
  readonly mode: 'off' | 'auto' | 'on';
  /** In unicast mode (vigil is the audit daemon) the kernel's backlog limit is raised to at least this, and restored at stop. */
  readonly backlogLimit: number;
  /**
   * In unicast mode, the kernel's rate limit (records per second, 0: none) while vigil runs: above
   * it the kernel drops records (counted, vigil_audit_lost_total{reason="kernel"}) rather than
   * stall audited processes or overrun vigil's socket. Never changed under another daemon.
   */
  readonly rateLimit?: number;
  /** SO_RCVBUF of the receiving socket; capped by net.core.rmem_max. */
  readonly recvBufferBytes?: number;
  /** How often the kernel's status (backlog, lost, rate limit) is read. */
  readonly statusIntervalMs?: number;
  /** A record group with no EOE within this closes anyway. */
  readonly assemblyTimeoutMs?: number;
  readonly maxOpenGroups?: number;
  readonly requestTimeoutMs?: number;
  /** The key of vigil's rules; only rules with this key are ever added or removed. */
  readonly ruleKey?: string;
  /** The process whose syscalls are never audited (the agent itself). */
  readonly excludePid?: number;
  /** The socket factory (tests play the kernel with it). */
  readonly openSocket?: OpenNetlink;
  /** The arch whose syscall numbers the rules use (default: this machine's). */
  readonly syscalls?: SyscallTable;
}

export interface AuditStatus {
  readonly mode: AuditMode;
  /** One line for /readyz and logs: how records arrive, what is audited, what is wrong. */
  readonly detail: string;
  /** The kernel's audit configuration is locked (`-e 2`): vigil's rules cannot change. */
  readonly immutable: boolean;
  /** The syscalls vigil's own rule covers now. */
  readonly auditedSyscalls: readonly string[];
  /** Plan syscalls vigil could not audit (unknown on this arch, or the rules are locked). */
  readonly unmetSyscalls: readonly string[];
}

export interface AuditSource extends Component {
  onEvent(listener: (e: AuditSyscall) => void): () => void;
  /** Replaces vigil's keyed rule (add new, delete gone); callable before and after start. */
  setPlan(plan: AuditPlan): void;
  status(): AuditStatus;
  /** Resolves once every setPlan so far reached the kernel (tests, benchmarks). */
  settled(): Promise<void>;
}

const DEFAULTS = {
  recvBufferBytes: 8 * 1024 * 1024,
  statusIntervalMs: 5_000,
  assemblyTimeoutMs: 2_000,
  maxOpenGroups: 4_096,
  maxRecordsPerGroup: 512,
  requestTimeoutMs: 2_000,
  ruleKey: 'vigil',
} as const;
const EEXIST = 17;
/** AUDIT_REPLACE: the kernel's "are you alive" probe to the registered daemon when another process tries to register. */
const AUDIT_REPLACE = 1329;
/** The kernel's backlog limit when nothing set it (unless `audit_backlog_limit=` was given at boot). */
const KERNEL_DEFAULT_BACKLOG_LIMIT = 64;
/** Every this many status reads (5 s each) vigil checks its rule is still in the kernel. */
const RULE_CHECK_EVERY = 6;
/** Lost records are logged at most this often (always counted). */
const LOSS_LOG_INTERVAL_MS = 60_000;

/** Whether a process exists (the agent runs in the host PID namespace, where audit pids live). */
async function pidAlive(pid: number): Promise<boolean> {
  try {
    await access(`/proc/${pid}`);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The kernel audit source: receives the kernel's audit records over
 * NETLINK_AUDIT and hands listeners one AuditSyscall per syscall event.
 *
 * - No audit daemon registered: vigil registers its own pid (unicast),
 *   enables auditing once it has a rule, raises the backlog limit and sets
 *   the rate limit; all restored at stop.
 * - A daemon (auditd) registered: vigil reads the read-only multicast group
 *   and changes nothing of the daemon's configuration.
 * - Either way it adds one rule keyed `ruleKey` for the plan's syscalls
 *   (never auditing its own pid), removes exactly that at stop, and at
 *   start removes rules with its key left by an agent that crashed.
 * - Locked configuration (`-e 2`): the rules cannot change; reported, and
 *   the records the existing rules give are still read.
 * Design and limits: docs/audit.md.
 */
export function createAuditSource(deps: CollectorDeps, cfg: AuditSourceConfig): AuditSource {
  const log = deps.log;
  const metrics = createAuditMetrics(deps.registry);
  const key = cfg.ruleKey ?? DEFAULTS.ruleKey;
  const excludePid = cfg.excludePid ?? process.pid;
  const table = cfg.syscalls ?? hostSyscallTable();
  const open: OpenNetlink = cfg.openSocket ?? openRawNetlink;
  const listeners = new Set<(e: AuditSyscall) => void>();
  const clock = (): number => performance.now();

  let mode: AuditMode = 'off';
  let detail = cfg.mode === 'off' ? 'audit is off (--audit off)' : 'not started';
  let immutable = false;
  let control: AuditChannel | undefined;
  let timer: NodeJS.Timeout | undefined;
  let expireTimer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let plan: AuditPlan = { syscalls: [] };
  let installed: { rule: Buffer; names: string[] } | undefined;
  let unmet: string[] = [];
  let ops: Promise<void> = Promise.resolve();
  // What to put back at stop (unicast only).
  const restore: { pid: boolean; enabled?: number; backlogLimit?: number; rateLimit?: number } = { pid: false };
  let lastLost: number | undefined;
  let polls = 0;
  let lossSinceLog = 0;
  let lossLoggedAt = -Infinity;
  let daemonDisabled = false;
  /** The socket records arrive on: the registered one (unicast) or the multicast member. */
  let readerChannel: AuditChannel | undefined;
  /** Unicast with auditing off: turn it on when the first rule is in. */
  let enableWithRule = false;

  const assembler = new AuditAssembler(
    { timeoutMs: cfg.assemblyTimeoutMs ?? DEFAULTS.assemblyTimeoutMs, maxGroups: cfg.maxOpenGroups ?? DEFAULTS.maxOpenGroups, maxRecordsPerGroup: DEFAULTS.maxRecordsPerGroup },
    {
      event: (e) => {
        // The agent's own syscalls (its audit requests log CONFIG_CHANGE with their sendmsg) are not events.
        if (e.pid === excludePid) return;
        metrics.event();
        for (const fn of listeners) {
          try {
            fn(e);
          } catch (err) {
            deps.errors.report('audit', 'listener', new AuditError('VIGIL_ERR_AUDIT_LISTENER', `audit event listener failed: ${(err as Error)?.message}`, { cause: err }));
          }
        }
      },
      closed: (how) => metrics.closed(how),
      recordsDropped: (n) => lost('group_full', n),
    },
  );

  function lost(reason: AuditLossReason, n: number): void {
    if (n <= 0) return;
    metrics.lost(reason, n);
    lossSinceLog += n;
    const now = clock();
    if (now - lossLoggedAt >= LOSS_LOG_INTERVAL_MS) {
      log.warn({ reason, lost: lossSinceLog, mode }, `kernel audit records lost (${reason}): ${lossSinceLog} since the last report; see vigil_audit_lost_total`);
      lossSinceLog = 0;
      lossLoggedAt = now;
    }
  }

  const handlers = {
    record(type: number, text: string): void {
      if (type === AUDIT_REPLACE) return;
      const eventRecord = AuditAssembler.isEventRecord(type);
      metrics.record(eventRecord);
      if (!eventRecord) return;
      const rec = parseRecord(type, text);
      if (!rec) {
        lost('malformed', 1);
        return;
      }
      if (rec.serial === 0) return;
      assembler.push(rec, clock());
    },
    overrun: () => lost('socket_overrun', 1),
    malformed: (n: number) => lost('malformed', n),
    failed: (err: unknown) => deps.errors.report('audit', 'record', err),
    fatal(err: AuditError): void {
      if (stopped) return;
      setMode('failed', `audit socket failed: ${err.message}`);
      deps.errors.report('audit', 'socket', err);
    },
  };

  function setMode(m: AuditMode, d: string): void {
    mode = m;
    detail = d;
    metrics.mode(m);
  }

  function describe(): string {
    const how =
      mode === 'unicast'
        ? 'records unicast (vigil is the audit daemon)'
        : mode === 'multicast'
          ? 'records from the multicast group (another audit daemon is registered; its configuration is left alone)'
          : detail;
    const parts = [how];
    if (mode === 'unicast' || mode === 'multicast') {
      parts.push(installed ? `vigil's rule audits ${installed.names.length} syscalls` : 'no vigil rule (empty plan)');
      if (immutable) parts.push('audit configuration is locked (-e 2): rules cannot change, records of the existing rules are used');
      if (unmet.length > 0) parts.push(`not audited: ${unmet.slice(0, 10).join(', ')}${unmet.length > 10 ? '...' : ''}`);
      if (daemonDisabled) parts.push("auditing is disabled (enabled 0) in the registered daemon's configuration: no records flow");
    }
    return parts.join('; ');
  }

  async function getStatus(ch: AuditChannel): Promise<AuditStatusWire> {
    const [reply] = await ch.request(AUDIT_GET, undefined, 'reply');
    return decodeStatus(reply!.payload);
  }

  async function set(ch: AuditChannel, mask: number, v: Parameters<typeof encodeStatusSet>[1]): Promise<void> {
    await ch.request(AUDIT_SET, encodeStatusSet(mask, v), 'ack');
  }

  /** Removes rules with vigil's key left by an earlier agent; returns how many. */
  async function removeStale(ch: AuditChannel): Promise<number> {
    const listed = await ch.request(AUDIT_LIST_RULES, undefined, 'dump');
    let n = 0;
    for (const m of listed) {
      const rule = decodeRule(m.payload);
      if (rule?.key !== key) continue;
      await ch.request(AUDIT_DEL_RULE, rule.raw, 'ack');
      n++;
    }
    return n;
  }

  async function applyPlan(): Promise<void> {
    const ch = control;
    if (!ch || stopped) return;
    const wanted = [...new Set(plan.syscalls)].sort();
    const known = wanted.filter((n) => table?.number(n) !== undefined);
    const unknown = wanted.filter((n) => table?.number(n) === undefined);
    if (installed && installed.names.join(',') === known.join(',')) {
      unmet = unknown;
      return;
    }
    if (immutable) {
      unmet = wanted.filter((n) => !installed?.names.includes(n));
      return;
    }
    let next: { rule: Buffer; names: string[] } | undefined;
    if (known.length > 0 && table) {
      const rule = encodeSyscallRule({ arch: table.auditArch, syscalls: known.map((n) => table.number(n)!), excludePid, key });
      try {
        await ch.request(AUDIT_ADD_RULE, rule, 'ack');
      } catch (err) {
        // The identical rule already exists (an earlier start's, not yet removed): it is ours all the same.
        if ((err as AuditError).errno !== EEXIST) throw err;
      }
      next = { rule, names: known };
    }
    if (installed) await ch.request(AUDIT_DEL_RULE, installed.rule, 'ack');
    installed = next;
    if (next && enableWithRule) {
      await set(ch, AUDIT_STATUS_ENABLED, { enabled: 1 });
      enableWithRule = false;
      restore.enabled = 0;
    }
    unmet = unknown;
    metrics.ruleSyscalls(known.length);
    log.info({ syscalls: known, unknown }, `audit rule set: ${known.length} syscalls`);
  }

  function queuePlan(): Promise<void> {
    const run = (): Promise<void> =>
      applyPlan().catch((err) => {
        deps.errors.report('audit', 'rules', err);
        unmet = [...plan.syscalls];
      });
    ops = ops.then(run, run);
    return ops;
  }

  async function poll(): Promise<void> {
    const ch = control;
    if (!ch || stopped) return;
    const st = await getStatus(ch);
    metrics.kernelStatus(st);
    if (lastLost !== undefined && st.lost > lastLost) lost('kernel', st.lost - lastLost);
    lastLost = st.lost;
    immutable = st.enabled === AUDIT_LOCKED;
    metrics.immutable(immutable);
    // The kernel drops a daemon whose socket stops taking records; take the pid back.
    if (mode === 'unicast' && st.pid === 0) {
      log.warn('the kernel dropped vigil as the audit daemon; registering again');
      if (readerChannel) await set(readerChannel, AUDIT_STATUS_PID, { pid: process.pid });
    }
    if (++polls % RULE_CHECK_EVERY === 0 && !immutable) {
      ops = ops.then(checkRule, checkRule).catch((err) => deps.errors.report('audit', 'rules', err));
      await ops;
    }
  }

  /** Puts vigil's rule back when someone deleted it (`auditctl -D`, as `augenrules --load` runs). */
  async function checkRule(): Promise<void> {
    const ch = control;
    const mine = installed;
    if (!ch || stopped || !mine) return;
    const listed = await ch.request(AUDIT_LIST_RULES, undefined, 'dump');
    const want = mine.names
      .map((n) => table?.number(n) ?? -1)
      .sort((a, b) => a - b)
      .join(',');
    if (
      listed.some((m) => {
        const r = decodeRule(m.payload);
        return r?.key === key && r.syscalls.join(',') === want;
      })
    )
      return;
    await ch.request(AUDIT_ADD_RULE, mine.rule, 'ack');
    metrics.ruleReadded();
    log.warn({ syscalls: mine.names }, `vigil's audit rule was deleted by someone else; added it again`);
  }

  async function attach(ch: AuditChannel, st: AuditStatusWire, hadStale: boolean): Promise<void> {
    // A registered pid that no longer exists is a daemon that died (an agent SIGKILLed): the kernel
    // notices only when it next sends, and lets a new daemon register after testing the old one.
    if (st.pid === 0 || !(await pidAlive(st.pid))) {
      // Records go to the socket that registered. Control replies sent to it would compete with
      // records for its buffer (the kernel drops a reply to a full socket with ENOBUFS), so
      // requests use the control socket and this one carries records only.
      const sock = await open(NETLINK_AUDIT, cfg.recvBufferBytes ?? DEFAULTS.recvBufferBytes);
      const rx = new AuditChannel(sock, handlers, cfg.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);
      try {
        await set(rx, AUDIT_STATUS_PID, { pid: process.pid });
        restore.pid = true;
        sock.unref();
        readerChannel = rx;
      } catch (err) {
        rx.close();
        if ((err as AuditError).errno !== EEXIST) throw err;
      }
    }
    if (restore.pid) {
      setMode('unicast', '');
      // After a crash of an agent that had enabled auditing, enabled is 1 with no daemon and vigil's stale rules present:
      // that agent turned it on, so this one turns it off again at stop.
      if (hadStale && st.enabled === 1) restore.enabled = 0;
      // Auditing is switched on only with a rule to serve (applyPlan): once on, every process
      // forked after pays on every syscall, rule or not (docs/audit.md).
      enableWithRule = st.enabled === 0;
      if (cfg.rateLimit !== undefined && st.rateLimit !== cfg.rateLimit && st.enabled !== AUDIT_LOCKED) {
        await set(ch, AUDIT_STATUS_RATE_LIMIT, { rateLimit: cfg.rateLimit });
        restore.rateLimit = st.rateLimit;
      } else if (hadStale && cfg.rateLimit !== undefined && st.rateLimit === cfg.rateLimit && st.enabled !== AUDIT_LOCKED) {
        // Most likely set by the crashed agent: none (the kernel's default) at stop.
        restore.rateLimit = 0;
      }
      // A locked configuration refuses the change (EPERM): keep the kernel's limit then.
      if (st.backlogLimit < cfg.backlogLimit && st.enabled !== AUDIT_LOCKED) {
        await set(ch, AUDIT_STATUS_BACKLOG_LIMIT, { backlogLimit: cfg.backlogLimit });
        restore.backlogLimit = st.backlogLimit;
      } else if (hadStale && st.backlogLimit === cfg.backlogLimit && st.enabled !== AUDIT_LOCKED) {
        // Most likely raised by the crashed agent: back to the kernel's default at stop.
        restore.backlogLimit = KERNEL_DEFAULT_BACKLOG_LIMIT;
      }
      return;
    }
    const sock = await open(NETLINK_AUDIT, cfg.recvBufferBytes ?? DEFAULTS.recvBufferBytes);
    const rx = new AuditChannel(sock, handlers, cfg.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);
    try {
      sock.addMembership(AUDIT_NLGRP_READLOG);
    } catch (err) {
      rx.close();
      throw new AuditError(
        'VIGIL_ERR_AUDIT_UNAVAILABLE',
        `an audit daemon (pid ${st.pid}) is registered and the multicast group cannot be joined (missing CAP_AUDIT_READ?): ${(err as Error).message}`,
        { cause: err },
      );
    }
    sock.unref();
    readerChannel = rx;
    daemonDisabled = st.enabled === 0;
    setMode('multicast', '');
  }
  async function undo(ch: AuditChannel): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [];
    if (installed) {
      const rule = installed.rule;
      steps.push(['delete rule', () => ch.request(AUDIT_DEL_RULE, rule, 'ack')]);
    }
    if (restore.enabled !== undefined) steps.push(['restore enabled', () => set(ch, AUDIT_STATUS_ENABLED, { enabled: restore.enabled! })]);
    if (restore.backlogLimit !== undefined) steps.push(['restore backlog limit', () => set(ch, AUDIT_STATUS_BACKLOG_LIMIT, { backlogLimit: restore.backlogLimit! })]);
    if (restore.rateLimit !== undefined) steps.push(['restore rate limit', () => set(ch, AUDIT_STATUS_RATE_LIMIT, { rateLimit: restore.rateLimit! })]);
    if (restore.pid) steps.push(['unregister', () => set(ch, AUDIT_STATUS_PID, { pid: 0 })]);
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        deps.errors.report('audit', 'stop', new AuditError('VIGIL_ERR_AUDIT_REQUEST', `cannot ${what} at stop: ${(err as Error).message}`, { cause: err }));
      }
    }
    installed = undefined;
    enableWithRule = false;
    restore.pid = false;
    delete restore.enabled;
    delete restore.backlogLimit;
    delete restore.rateLimit;
  }

  async function start(): Promise<void> {
    if (cfg.mode === 'off') {
      setMode('off', 'audit is off (--audit off)');
      return;
    }
    if (!table) return unavailableOrOff(new AuditError('VIGIL_ERR_AUDIT_UNAVAILABLE', `no syscall table for arch ${process.arch}`));
    let sock: NetlinkSocketLike;
    try {
      sock = await open(NETLINK_AUDIT, cfg.recvBufferBytes ?? DEFAULTS.recvBufferBytes);
    } catch (err) {
      return unavailableOrOff(new AuditError('VIGIL_ERR_AUDIT_UNAVAILABLE', `cannot open a NETLINK_AUDIT socket: ${(err as Error).message}`, { cause: err }));
    }
    const ch = new AuditChannel(sock, handlers, cfg.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);
    control = ch;
    try {
      let st: AuditStatusWire;
      try {
        st = await getStatus(ch);
      } catch (err) {
        throw new AuditError('VIGIL_ERR_AUDIT_UNAVAILABLE', `the kernel refused the audit status (missing CAP_AUDIT_CONTROL, or not in the initial user/pid namespace?): ${(err as Error).message}`, {
          cause: err,
        });
      }
      lastLost = st.lost;
      metrics.kernelStatus(st);
      immutable = st.enabled === AUDIT_LOCKED;
      metrics.immutable(immutable);
      if (immutable) log.warn('kernel audit configuration is locked (auditctl -e 2): vigil cannot add its rules; it reads what the existing rules give');
      let stale = 0;
      if (!immutable) {
        stale = await removeStale(ch);
        if (stale > 0) {
          metrics.staleRemoved(stale);
          log.warn({ rules: stale }, `removed ${stale} audit rules keyed ${key} left by an earlier agent`);
        }
      }
      await attach(ch, st, stale > 0);
      if (stopped) return;
      await queuePlan();
      started = true;
      timer = setInterval(() => poll().catch((err) => deps.errors.report('audit', 'status', err)), cfg.statusIntervalMs ?? DEFAULTS.statusIntervalMs);
      timer.unref();
      const timeoutMs = cfg.assemblyTimeoutMs ?? DEFAULTS.assemblyTimeoutMs;
      expireTimer = setInterval(() => assembler.expire(clock()), Math.max(50, timeoutMs / 2));
      expireTimer.unref();
      sock.unref();
      log.info({ mode, detail: describe() }, `audit source: ${describe()}`);
    } catch (err) {
      await undo(ch);
      ch.close();
      control = undefined;
      readerChannel?.close();
      readerChannel = undefined;
      return unavailableOrOff(err instanceof AuditError ? err : new AuditError('VIGIL_ERR_AUDIT_UNAVAILABLE', (err as Error).message, { cause: err }));
    }
  }

  /** `auto`: off with a log line; `on`: a failed start. */
  function unavailableOrOff(err: AuditError): never | undefined {
    if (cfg.mode === 'auto') {
      setMode('off', `audit unavailable, off (--audit auto): ${err.message}`);
      log.info({ err: err.message }, `audit source off: ${err.message}`);
      return undefined;
    }
    setMode('failed', err.message);
    throw err;
  }

  return {
    name: 'audit',
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setPlan(p) {
      plan = { syscalls: [...p.syscalls] };
      if (started && !stopped) void queuePlan();
    },
    settled: () => ops,
    status() {
      const d = mode === 'unicast' || mode === 'multicast' ? describe() : detail;
      return { mode, detail: d, immutable, auditedSyscalls: installed?.names ?? [], unmetSyscalls: unmet };
    },
    async start() {
      if (started || stopped) return;
      metrics.mode(mode);
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (expireTimer) clearInterval(expireTimer);
      await ops.catch(() => undefined);
      const ch = control;
      if (ch) {
        await undo(ch);
        ch.close();
      }
      readerChannel?.close();
      control = undefined;
      readerChannel = undefined;
      assembler.flush();
      if (mode === 'unicast' || mode === 'multicast') setMode('off', 'stopped');
    },
  };
}
