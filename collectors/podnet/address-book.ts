import type { ErrorReporter } from '../../core/deps.js';
import { parseNsLink, parseStat } from '../procfs/index.js';
import { readLink, readText } from '../shared/index.js';
import { normalizeIp, parseFibTrieLocal, parseIfInet6 } from './parse.js';
import { getOrInsert } from '../../core/collections.js';

/** One process per network namespace: how the namespace's files are reached. */
export interface NetnsPid {
  readonly netns: number;
  readonly pid: number;
  readonly containerId?: string;
}

export interface AddressOwner {
  readonly netns: number;
  /**
   * The node's own netns (that of pid 1). Host-network pods share it, so its
   * containers do not make the node's addresses theirs.
   */
  readonly host: boolean;
  /** The first container seen in this netns (all of them share its addresses). */
  readonly containerId?: string;
  /** Every container seen in this netns, in the order given to refresh (a pod's containers share one). */
  readonly containerIds: readonly string[];
}

export interface PodAddressBookConfig {
  readonly procRoot: string;
  /** A netns whose addresses were read less than this long ago is not read again (unless forced). */
  readonly maxAgeMs?: number;
  /** The host's netns inode; default: read from <procRoot>/1/ns/net, else from kthreadd's (pid 2). */
  readonly hostNetns?: number;
  readonly now?: () => number;
  /** Least time between two re-reads caused by lookups of unknown addresses. */
  readonly missRereadMs?: number;
}

export interface RefreshStats {
  readonly read: number;
  readonly kept: number;
  readonly dropped: number;
}

export interface PodAddressBook {
  /**
   * Brings the book in line with the given namespaces: new ones and stale
   * ones (older than maxAgeMs, or all with force) are read, missing ones are
   * forgotten. Synchronous and never throws: read failures go to `errors`.
   */
  refresh(netnsPids: Iterable<NetnsPid>, opts?: { readonly force?: boolean }): RefreshStats;
  /**
   * The local netns owning `ip`. An address nobody owns yet re-reads the
   * namespaces whose addresses are still unknown (a pod whose IP was not
   * configured when it was first read) before answering: a connection to
   * or from a pod exists only once its address does.
   */
  owner(ip: string): AddressOwner | undefined;
  /** Addresses per netns, for diagnostics and tests. */
  addresses(netns: number): readonly string[] | undefined;
}

interface NetnsEntry {
  readonly addrs: readonly string[];
  readonly readAtMs: number;
}

export const DEFAULT_ADDRESS_MAX_AGE_MS = 30_000;
const DEFAULT_MISS_REREAD_MS = 50;
const HOST_NETNS_RETRY_MS = 60_000;

/**
 * Which network namespace on this node (and so which pod) owns an IP
 * address. A pod's addresses live in its netns, not in any cgroup or runtime
 * field the agent reads cheaply, so they are read from /proc/<pid>/net of one
 * process per netns and cached by the netns inode: a pod keeps its IP for its
 * life, so re-reading is only needed when containers come and go. Except
 * right after a pod starts: its netns exists (and is read) before the CNI
 * gives it an address, so a netns with no address yet is re-read on every
 * refresh and on lookups of addresses nobody owns, never kept as empty.
 */
export function createPodAddressBook(cfg: PodAddressBookConfig, errors?: ErrorReporter): PodAddressBook {
  const now = cfg.now ?? Date.now;
  const maxAgeMs = cfg.maxAgeMs ?? DEFAULT_ADDRESS_MAX_AGE_MS;
  const byNetns = new Map<number, NetnsEntry>();
  const containersByNetns = new Map<number, string[]>();
  let index = new Map<string, AddressOwner | null>();
  let hostNetns = cfg.hostNetns;
  /** The pids of each netns given to the last refresh, for re-reads between refreshes. */
  let pidsByNetns = new Map<number, number[]>();
  let missRereadAtMs = -Infinity;
  const missRereadMs = cfg.missRereadMs ?? DEFAULT_MISS_REREAD_MS;

  // Host netns lookup: retried at most once a minute after a failure, and a
  // failure is reported once, not on every refresh.
  let hostRetryAtMs = -Infinity;
  let hostReported = false;

  /**
   * The node's netns: that of pid 1, or else that of kthreadd (pid 2, a
   * kernel thread, and kernel threads all live in the initial netns). Some
   * hosts refuse /proc/1/ns/net even to root (pid 1 under an LSM or a
   * sandbox supervisor), while pid 2's link stays readable. Verified to be
   * kthreadd, so a /proc of another pid namespace is never misread.
   */
  function readHostNetns(t: number): number | undefined {
    if (t < hostRetryAtMs) return undefined;
    let first: unknown;
    try {
      const ns = parseNsLink(readLink(`${cfg.procRoot}/1/ns/net`));
      if (ns !== undefined) return ns;
    } catch (err) {
      first = err;
    }
    try {
      const st = parseStat(readText(`${cfg.procRoot}/2/stat`, 'single') ?? '');
      if (st?.kernelThread && st.comm === 'kthreadd') {
        const ns = parseNsLink(readLink(`${cfg.procRoot}/2/ns/net`));
        if (ns !== undefined) return ns;
      }
    } catch {
      // Reported below with the pid 1 error, which says more.
    }
    hostRetryAtMs = t + HOST_NETNS_RETRY_MS;
    // A missing pid 1 (a fixture, a /proc of another pid namespace) is churn, not an error.
    if (first !== undefined && !hostReported) {
      hostReported = true;
      errors?.report(
        'podnet',
        'host-netns',
        new Error(`cannot tell the host network namespace from ${cfg.procRoot}/1/ns/net or kthreadd (retrying every ${HOST_NETNS_RETRY_MS / 1000} s, reported once)`, { cause: first }),
      );
    }
    return undefined;
  }

  function readNetns(pid: number): readonly string[] | undefined {
    const base = `${cfg.procRoot}/${pid}/net`;
    try {
      const fib = readText(`${base}/fib_trie`);
      if (fib === undefined) return undefined; // the pid is gone: churn
      // A kernel without IPv6 has no if_inet6: that is an empty list, not an error.
      const v6 = readText(`${base}/if_inet6`);
      return [...parseFibTrieLocal(fib), ...(v6 === undefined ? [] : parseIfInet6(v6))];
    } catch (err) {
      errors?.report('podnet', 'read', err);
      return undefined;
    }
  }

  /** Reads one netns through any of its pids (the first may have exited since it was listed). */
  function readAny(pids: readonly number[]): readonly string[] | undefined {
    for (const pid of pids) {
      const addrs = readNetns(pid);
      if (addrs !== undefined) return addrs;
    }
    return undefined;
  }

  /** Rebuilt whole: lookups on the hot path are one Map.get. */
  function rebuildIndex(): void {
    const next = new Map<string, AddressOwner | null>();
    for (const [netns, entry] of byNetns) {
      const ids = containersByNetns.get(netns) ?? [];
      const owner: AddressOwner = { netns, host: netns === hostNetns, containerId: ids[0], containerIds: ids };
      for (const addr of entry.addrs) {
        const prev = next.get(addr);
        // Two namespaces with one address (isolated test netns, a bridge IP
        // reused): the owner is unknown rather than a guess.
        next.set(addr, prev === undefined ? owner : prev !== null && prev.netns === netns ? prev : null);
      }
    }
    index = next;
  }

  /** Re-reads the namespaces with no address yet; true when one gained some. */
  function rereadUnknown(): boolean {
    let learned = false;
    for (const [netns, pids] of pidsByNetns) {
      const cached = byNetns.get(netns);
      if (cached && cached.addrs.length > 0) continue;
      const addrs = readAny(pids);
      if (addrs === undefined) continue;
      byNetns.set(netns, { addrs, readAtMs: now() });
      if (addrs.length > 0) learned = true;
    }
    if (learned) rebuildIndex();
    return learned;
  }

  return {
    refresh(netnsPids, opts = {}) {
      const t = now();
      hostNetns ??= readHostNetns(t);
      pidsByNetns = new Map<number, number[]>();
      containersByNetns.clear();
      for (const { netns, pid, containerId } of netnsPids) {
        const pids = getOrInsert(pidsByNetns, netns, () => []);
        pids.push(pid);
        if (containerId !== undefined) {
          const ids = getOrInsert(containersByNetns, netns, () => []);
          if (!ids.includes(containerId)) ids.push(containerId);
        }
      }
      let read = 0;
      let kept = 0;
      let dropped = 0;
      for (const netns of byNetns.keys()) {
        if (!pidsByNetns.has(netns)) {
          byNetns.delete(netns);
          dropped++;
        }
      }
      for (const [netns, pids] of pidsByNetns) {
        const cached = byNetns.get(netns);
        // No address yet is not an answer to keep: the CNI may be configuring it right now.
        if (cached && cached.addrs.length > 0 && !opts.force && t - cached.readAtMs < maxAgeMs) {
          kept++;
          continue;
        }
        const addrs = readAny(pids);
        if (addrs === undefined) {
          if (cached) kept++;
          continue;
        }
        byNetns.set(netns, { addrs, readAtMs: t });
        read++;
      }
      rebuildIndex();
      return { read, kept, dropped };
    },
    owner(ip) {
      const addr = normalizeIp(ip);
      const found = index.get(addr);
      if (found !== undefined) return found ?? undefined;
      const t = now();
      if (t - missRereadAtMs < missRereadMs) return undefined;
      missRereadAtMs = t;
      return rereadUnknown() ? (index.get(addr) ?? undefined) : undefined;
    },
    addresses(netns) {
      return byNetns.get(netns)?.addrs;
    },
  };
}
