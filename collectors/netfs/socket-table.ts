import { performance } from 'node:perf_hooks';
import type { CollectorDeps } from '../../core/deps.js';
import type { ProcessInfo, SocketInfo, SocketProto } from '../model.js';
import { socketInodesOf } from '../procfs/fds.js';
import { parseNsLink } from '../procfs/parse-links.js';
import type { ProcessTable } from '../procfs/table.js';
import { isChurn } from '../../core/errors.js';
import { ProcError } from '../shared/errors.js';
import { readLink, readText } from '../shared/read.js';
import { parseProcNet, type NetRow } from './parse-net.js';
import { snmpTcpColumns, sockstatInuse, tcpSignatureOf, type SnmpTcp } from './tcp-gate.js';
import { createUnobservedOpens, type OpenedElsewhere, tcpOpens } from './unobserved-opens.js';
import { getOrInsert } from '../../core/collections.js';

export interface SocketScan {
  readonly added: readonly SocketInfo[];
  readonly removed: readonly SocketInfo[];
  /** Known sockets whose state, peer or owning pids changed. */
  readonly changed: readonly SocketInfo[];
  /** TCP connections opened since the last scan that no row showed (see unobserved-opens.ts). */
  readonly unobservedOpens: number;
  readonly durationMs: number;
}

/** TCP rows of one netns got another way just before the scan (sock-diag-socket.ts). */
export interface PrefetchedTcp {
  readonly netns: number;
  readonly rows: readonly NetRow[];
}

export interface SocketTable {
  /** `tcp`: that netns's TCP rows, used instead of reading its net/tcp{,6}. */
  scan(processes: ProcessTable, tcp?: PrefetchedTcp): SocketScan;
  list(): Iterable<SocketInfo>;
  byInode(inode: number): SocketInfo | undefined;
}

const COMPONENT = 'netfs';
/** Signature of a netns known to hold no TCP socket. */
const EMPTY = 'empty';
/** Signature of rows that came prefetched: never matches, so a scan without them reads the files. */
const PREFETCHED = 'prefetched';

interface Scanned {
  readonly startTicks: number;
  inodes: readonly number[];
  gen: number;
}

/**
 * TCP/UDP sockets of every network namespace, with the pids holding them.
 *
 * Per scan:
 * - per netns, through ONE live pid (a readlink of its ns/net first makes
 *   sure that pid has not moved to another netns): net/sockstat{,6} and
 *   net/snmp (the TCP counters: the gate below, and unobserved-opens.ts); then
 *   net/{udp,udp6} unless its `inuse` count is 0, and net/{tcp,tcp6} only
 *   when its `inuse` count is not 0 and either the netns's TCP counters moved
 *   or it is this netns's turn for a forced re-read (once every
 *   tcpFullReadEvery scans, staggered across namespaces): each net/tcp read
 *   walks the kernel's whole TCP hash table (see tcp-gate.ts for the numbers
 *   and what the gate misses). A netns without sockets costs those three
 *   small reads and a readlink per scan, its first scan included. The netns whose
 *   TCP rows the caller prefetched (the agent's own, over sock_diag) takes
 *   them instead of any TCP file.
 * - the fd table (readdir + readlink per fd) of each process not scanned
 *   before (new pid or pid + start time not seen), which feeds an
 *   inode -> pids index; exited processes are dropped from it.
 * - only when a socket appears whose inode no indexed fd holds (a known
 *   process opened or accepted it since its fd table was read), the fd
 *   tables of the processes in that socket's netns and with its uid are
 *   re-read, those already holding sockets first (servers accept, clients
 *   reconnect) then the youngest, and last the processes started in the
 *   last seconds whose table this scan read before the rows, until every
 *   new inode has an owner. An
 *   inode still without one (a socket whose owner exited, a kernel socket)
 *   is searched once, never again.
 * Sockets with inode 0 (TIME_WAIT, orphans) belong to no one and are not
 * tracked. Known weak: a socket handed to an existing process over a unix
 * socket (SCM_RIGHTS), or kept by a parent after its child closed its copy,
 * shows the owners found when it was first seen.
 */
export interface SocketTableConfig {
  readonly procRoot: string;
  /**
   * Re-read net/tcp{,6} of a netns (one holding TCP sockets) at least every
   * N scans even when its TCP counters did not move (see tcp-gate.ts); each
   * netns has its own turn. 1 = every scan.
   */
  readonly tcpFullReadEvery?: number;
  /** TCP connections another source (the audit source) saw in a netns since the last call: observed, not unobserved. */
  readonly openedElsewhere?: (netns: number) => readonly OpenedElsewhere[];
}

export const DEFAULT_TCP_FULL_READ_EVERY = 60;

/** A process this young may have made a socket between its fd table read and its netns's rows (see searchOwners). */
const JUST_STARTED_MS = 5_000;

export function createSocketTable(deps: CollectorDeps, cfg: SocketTableConfig): SocketTable {
  const root = cfg.procRoot;
  const sockets = new Map<number, SocketInfo>();
  const owners = new Map<number, Set<number>>();
  const scanned = new Map<number, Scanned>();
  const searched = new Set<number>();
  // pid -> the scan in which a search last found it holding a new socket.
  const lastFound = new Map<number, { startTicks: number; gen: number }>();
  // Per netns: the last TCP rows, the counters they were read at, and the
  // member they were read through (see readTcp: inode numbers are reused).
  const tcpCache = new Map<number, { sig: string; gen: number; rows: readonly NetRow[]; via?: { pid: number; startTicks: number } }>();
  const tcpFullReadEvery = Math.max(1, cfg.tcpFullReadEvery ?? DEFAULT_TCP_FULL_READ_EVERY);
  // Pids whose fd table was read during the current scan.
  const fresh = new Set<number>();
  let prefetched: PrefetchedTcp | undefined;
  let gen = 0;
  const unobservedOpens = createUnobservedOpens();
  let unobserved = 0;

  function report(stage: string, err: unknown, path: string): void {
    deps.errors.report(COMPONENT, stage, new ProcError('VIGIL_ERR_NET_READ', `cannot read ${path}`, { cause: err }));
  }

  /**
   * Re-reads one fd table into the index; false when the process is gone.
   * `trustStdio` for a process first seen this scan: the reader has just
   * read its fd 0-2, so those three readlinks are not repeated.
   */
  function indexFds(p: ProcessInfo, trustStdio: boolean): boolean {
    fresh.add(p.pid);
    let inodes: number[] | undefined;
    try {
      inodes = socketInodesOf(root, p.pid, trustStdio ? p.stdio : undefined);
    } catch (err) {
      if (!isChurn(err)) report('fd', err, `${root}/${p.pid}/fd`);
    }
    const prev = scanned.get(p.pid);
    if (prev) for (const i of prev.inodes) owners.get(i)?.delete(p.pid);
    if (inodes === undefined) {
      scanned.delete(p.pid);
      return false;
    }
    for (const i of inodes) {
      const set = getOrInsert(owners, i, () => new Set());
      set.add(p.pid);
    }
    scanned.set(p.pid, { startTicks: p.startTicks, inodes, gen });
    return true;
  }

  function readProto(pid: number, proto: SocketProto, rows: NetRow[]): boolean {
    const path = `${root}/${pid}/net/${proto}`;
    try {
      const text = readText(path, 'records');
      if (text === undefined) return false;
      for (const r of parseProcNet(text, proto)) rows.push(r);
    } catch (err) {
      report('net', err, path);
    }
    return true;
  }

  /** Rows of one netns read through one of its live members. */
  function readNetns(netns: number, members: readonly ProcessInfo[]): NetRow[] | undefined {
    for (const p of members) {
      let link: string | undefined;
      try {
        link = readLink(`${root}/${p.pid}/ns/net`);
      } catch {
        continue;
      }
      if (parseNsLink(link) !== netns) continue;
      const base = `${root}/${p.pid}/net`;
      let sockstat: string | undefined;
      let sockstat6: string | undefined;
      let snmpTcp: SnmpTcp | undefined;
      try {
        sockstat = readText(`${base}/sockstat`, 'single');
        if (sockstat === undefined) continue; // the pid is gone: try another member
        sockstat6 = readText(`${base}/sockstat6`, 'single'); // absent when IPv6 is off
        const snmpText = readText(`${base}/snmp`, 'single');
        snmpTcp = snmpText === undefined ? undefined : snmpTcpColumns(snmpText);
      } catch {
        // Unreadable counters: no shortcut, every file is read below.
      }
      const rows: NetRow[] = [];
      // A protocol with `inuse 0` has no row worth reading (see sockstatInuse).
      // A vanished pid shows as a missing file: try the next member.
      if (sockstatInuse(sockstat, 'UDP') !== 0 && !readProto(p.pid, 'udp', rows)) continue;
      if (sockstatInuse(sockstat6, 'UDP6') !== 0) readProto(p.pid, 'udp6', rows);
      const tcpRows = readTcp(netns, p, sockstat, sockstat6, snmpTcp);
      if (tcpRows === undefined) continue;
      for (const r of tcpRows) rows.push(r);
      unobserved += unobservedOpens.observe(netns, tcpOpens(snmpTcp), tcpRows, cfg.openedElsewhere?.(netns));
      return rows;
    }
    return undefined;
  }

  /**
   * TCP rows of a netns: the prefetched ones if this scan was given them;
   * none without reading when both inuse counters are 0;
   * the cached rows while the counters stand still, except on this netns's
   * forced re-read; otherwise net/tcp and net/tcp6. undefined when the pid
   * vanished.
   */
  function readTcp(netns: number, member: ProcessInfo, sockstat: string | undefined, sockstat6: string | undefined, snmpTcp: SnmpTcp | undefined): readonly NetRow[] | undefined {
    const pid = member.pid;
    if (prefetched?.netns === netns) {
      tcpCache.set(netns, { sig: PREFETCHED, gen, rows: prefetched.rows });
      return prefetched.rows;
    }
    const inuse = sockstatInuse(sockstat, 'TCP');
    const inuse6 = sockstat6 === undefined ? 0 : sockstatInuse(sockstat6, 'TCP6');
    if (inuse === 0 && inuse6 === 0) {
      tcpCache.set(netns, { sig: EMPTY, gen, rows: [] });
      return [];
    }
    const prev = tcpCache.get(netns);
    const sig = sockstat === undefined ? undefined : tcpSignatureOf(snmpTcp, sockstat, sockstat6);
    // Forced re-reads are staggered: netns N is due on the scans where
    // (scan + N) is a multiple of the period, so no scan pays for every netns.
    const due = (gen + (netns % tcpFullReadEvery)) % tcpFullReadEvery === 0;
    // The kernel gives a freed netns's inode number to the next netns (a pod
    // replaced within one scan interval gets its predecessor's), and a fresh
    // pod repeating the last one's connection even repeats its counters. The
    // cached rows are only this netns's while they are read through the same
    // live member (it has just been checked to be in this netns): a live
    // member keeps the netns alive, so its inode cannot have been handed on.
    // Another member (the last one exited) costs one read more.
    const sameNetns = prev?.via?.pid === pid && prev.via.startTicks === member.startTicks;
    if (prev && sameNetns && sig !== undefined && sig === prev.sig && !due) {
      prev.gen = gen;
      return prev.rows;
    }
    const tcpRows: NetRow[] = [];
    if (inuse !== 0 && !readProto(pid, 'tcp', tcpRows)) return undefined;
    if (inuse6 !== 0) readProto(pid, 'tcp6', tcpRows);
    tcpCache.set(netns, { sig: sig ?? '', gen, rows: tcpRows, via: { pid, startTicks: member.startTicks } });
    return tcpRows;
  }

  function scan(processes: ProcessTable): SocketScan {
    const t0 = performance.now();
    gen++;
    unobserved = 0;
    const byNetns = new Map<number, ProcessInfo[]>();
    for (const p of processes.list()) {
      if (p.netns !== 0) {
        const members = getOrInsert(byNetns, p.netns, () => []);
        members.push(p);
      }
      const s = scanned.get(p.pid);
      if (s && s.startTicks === p.startTicks) s.gen = gen;
      else indexFds(p, true);
    }
    for (const [pid, s] of scanned) {
      if (s.gen === gen) continue;
      for (const i of s.inodes) owners.get(i)?.delete(pid);
      scanned.delete(pid);
      lastFound.delete(pid);
    }
    for (const pid of lastFound.keys()) if (!scanned.has(pid)) lastFound.delete(pid);

    const current = new Map<number, NetRow & { netns: number }>();
    const unowned = new Map<number, Set<number>>(); // netns -> inodes
    for (const [netns, members] of byNetns) {
      const rows = readNetns(netns, members);
      if (!rows) {
        // Every member vanished mid-read: unknown is not closed, keep what we had.
        for (const [inode, sock] of sockets) if (sock.netns === netns) current.set(inode, { ...sock });
        continue;
      }
      for (const r of rows) {
        if (r.inode === 0) continue;
        current.set(r.inode, { ...r, netns });
        if (!sockets.has(r.inode) && !owners.get(r.inode)?.size && !searched.has(r.inode)) {
          const set = getOrInsert(unowned, netns, () => new Set());
          set.add(r.inode);
        }
      }
    }
    for (const [netns, t] of tcpCache) if (t.gen !== gen) tcpCache.delete(netns);
    unobservedOpens.sweep();
    for (const [netns, inodes] of unowned) searchOwners(byNetns.get(netns) ?? [], inodes, current);

    const added: SocketInfo[] = [];
    const removed: SocketInfo[] = [];
    const changed: SocketInfo[] = [];
    for (const [inode, r] of current) {
      const pids = [...(owners.get(inode) ?? [])].sort((a, b) => a - b);
      const info: SocketInfo = {
        inode,
        proto: r.proto,
        localAddr: r.localAddr,
        localPort: r.localPort,
        remoteAddr: r.remoteAddr,
        remotePort: r.remotePort,
        state: r.state,
        netns: r.netns,
        uid: r.uid,
        pids,
      };
      const old = sockets.get(inode);
      if (!old) added.push(info);
      else if (!sameSocket(old, info)) changed.push(info);
      else continue;
      sockets.set(inode, info);
    }
    for (const [inode, s] of sockets) {
      if (current.has(inode)) continue;
      removed.push(s);
      sockets.delete(inode);
      owners.delete(inode);
      searched.delete(inode);
    }
    return { added, removed, changed, unobservedOpens: unobserved, durationMs: performance.now() - t0 };
  }

  function searchOwners(members: readonly ProcessInfo[], inodes: Set<number>, current: Map<number, NetRow>): void {
    const uids = new Set<number>();
    for (const i of inodes) {
      searched.add(i);
      const uid = current.get(i)?.uid;
      if (uid !== undefined) uids.add(uid);
    }
    // A socket's uid is its creator's fsuid. A root socket may be handed to
    // anyone and a root process may have dropped privileges since, so uid
    // narrows the search only to non-root sockets and keeps root processes.
    // Most new sockets come from the processes that made the last ones (a
    // server accepting, a client re-connecting, a pool churning), so those
    // are read first; then holders of sockets, then the youngest.
    const candidates = members.filter((p) => uids.has(0) || uids.has(p.uid) || p.uid === 0).sort((a, b) => lastFoundOf(b) - lastFoundOf(a) || holds(b) - holds(a) || b.startTicks - a.startTicks);
    // Processes whose fd table this scan already read are skipped, except
    // the ones that just started, which come last: their table was read
    // before the netns's rows, so a socket made in between (a new nc that
    // connected meanwhile) is not in it, and an inode searched without them
    // would never be searched again. Not every process read this scan: in a
    // cold scan that is all of them, for each socket no one visible holds.
    const startedAfter = Date.now() - JUST_STARTED_MS;
    const readBeforeRows = candidates.filter((p) => fresh.has(p.pid) && p.startTimeMs >= startedAfter);
    const others = candidates.filter((p) => !fresh.has(p.pid));
    for (const p of [...others, ...readBeforeRows]) {
      if (!indexFds(p, false)) continue;
      let found = false;
      for (const i of inodes) {
        if (owners.get(i)?.size) {
          inodes.delete(i);
          found = true;
        }
      }
      if (found) lastFound.set(p.pid, { startTicks: p.startTicks, gen });
      if (inodes.size === 0) return;
    }
  }
  function lastFoundOf(p: ProcessInfo): number {
    const f = lastFound.get(p.pid);
    return f && f.startTicks === p.startTicks ? f.gen : 0;
  }
  function holds(p: ProcessInfo): number {
    return (scanned.get(p.pid)?.inodes.length ?? 0) > 0 ? 1 : 0;
  }

  return {
    scan(processes, tcp) {
      fresh.clear();
      prefetched = tcp;
      try {
        return scan(processes);
      } finally {
        prefetched = undefined;
      }
    },
    list: () => sockets.values(),
    byInode: (inode) => sockets.get(inode),
  };
}

function sameSocket(a: SocketInfo, b: SocketInfo): boolean {
  return a.state === b.state && a.remoteAddr === b.remoteAddr && a.remotePort === b.remotePort && a.pids.length === b.pids.length && a.pids.every((p, i) => p === b.pids[i]);
}
