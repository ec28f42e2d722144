/**
 * What collectors know about the node. These are plain data (no methods) so
 * they can be logged, diffed and serialized; the agent turns them into
 * engine events (rules/event.ts).
 */

export type RuntimeKind = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'unknown';

/** What the runtime's sandbox and the API both say about a pod. */
export interface PodBasics {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Primary first; empty (runtime) or the node's (API) for host-network pods. */
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
}

import type { ContainerMount } from '../core/mounts.js';

export type { ContainerMount };

/** A container found from its cgroup, enriched from the runtime when reachable. */
export interface ContainerInfo {
  /** Full container id as it appears in the cgroup path (usually 64 hex). */
  readonly id: string;
  readonly runtime: RuntimeKind;
  /** Path of the container cgroup relative to the hierarchy root, starting with '/'. */
  readonly cgroupPath: string;
  /** Pod UID parsed from a kubepods path, when the container is in one. */
  readonly podUid?: string;
  readonly name?: string;
  readonly image?: string;
  readonly imageId?: string;
  /** `sha256:…` when the runtime gave one. */
  readonly imageDigest?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly privileged?: boolean;
  /** The runtime's mounts, in its order. */
  readonly mounts?: readonly ContainerMount[];
  /** From the CRI runtime's sandbox, or from the kubelet's labels (io.kubernetes.*) on Docker. */
  readonly k8s?: {
    readonly namespace: string;
    readonly pod: string;
    readonly podUid?: string;
    readonly container: string;
    /** The pod's own labels and annotations (CRI sandbox); absent on Docker. */
    readonly podLabels?: Readonly<Record<string, string>>;
    readonly podAnnotations?: Readonly<Record<string, string>>;
    /** Primary first; empty for host-network pods. */
    readonly podIps?: readonly string[];
    readonly hostNetwork?: boolean;
    /** The sandbox's CNI result as the runtime recorded it (containerd's verbose status). */
    readonly cniJson?: string;
  };
  /** Seconds since the epoch (cAdvisor's container_start_time_seconds). */
  readonly startTimeSec?: number;
  /** A pid inside the container (its init when known), to reach its netns. */
  readonly pid?: number;
}

/** The programs reverse shells are made of (collectors/procfs/stdio-policy.ts names them). */
import type { ProgramClass } from '../core/programs.js';

export type { ProgramClass };

/** Where one of a process's stdio fds points. */
export type FdTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'pipe'; readonly inode: number }
  | { readonly kind: 'tty'; readonly path: string }
  | { readonly kind: 'socket'; readonly inode: number }
  | { readonly kind: 'anon'; readonly path: string }
  | { readonly kind: 'none' };

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks since boot. With pid, the identity. */
  readonly startTicks: number;
  /** Start time in ms since the epoch, from startTicks and the boot time. */
  readonly startTimeMs: number;
  readonly comm: string;
  /** Target of /proc/<pid>/exe; '' when unreadable (kernel threads, permissions). */
  readonly exe: string;
  /** argv as the process presents it; non-UTF-8 bytes are replaced, never fatal. */
  readonly args: readonly string[];
  /** True when the cmdline was longer than the read limit and cut. */
  readonly argsTruncated: boolean;
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  /** tty_nr from stat (0 = no controlling terminal). */
  readonly tty: number;
  /** pid in the innermost pid namespace (NSpid), 1 for a container's init. */
  readonly vpid: number;
  /** Container id when the process lives in a container cgroup. */
  readonly containerId?: string;
  /** Inode of /proc/<pid>/ns/net. */
  readonly netns: number;
  readonly stdio: readonly [FdTarget, FdTarget, FdTarget];
  readonly cwd?: string;
  /** Device and inode of the executable (`dev:ino`, a stat of /proc/<pid>/exe): its identity, whatever its name. */
  readonly exeId?: string;
  /**
   * What the executable is, by identity (collectors/procfs/exe-class.ts): a
   * copy of bash under any name is a shell; a multi-call binary (busybox) is
   * the class of its applet. Absent for everything else.
   */
  readonly exeClass?: ProgramClass;
  /** The known program behind exeClass (`bash` for /tmp/kworker copied from bash, `nc` for `busybox nc`). */
  readonly program?: string;
  /** Process group in the innermost pid namespace (NSpgid; the pgrp of stat on the host). */
  readonly vpgid?: number;
  /** CapEff and CapPrm of /proc/<pid>/status as bit masks (capability N is bit N). */
  readonly capEffective?: number;
  readonly capPermitted?: number;
  /** /proc/<pid>/loginuid as the kernel gives it (4294967295: never logged in); read while a rule needs it. */
  readonly loginuid?: number;
  /** The environment, NAME=value entries (/proc/<pid>/environ); read while a rule needs it. */
  readonly env?: readonly string[];
  /** Set when the executable lives on the container's writable (upper) layer. */
  readonly exeUpperLayer?: boolean;
  /** Set when the process vanished before everything could be read. */
  readonly partial?: boolean;
}

export type SocketProto = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export type TcpState = 'ESTABLISHED' | 'SYN_SENT' | 'SYN_RECV' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'TIME_WAIT' | 'CLOSE' | 'CLOSE_WAIT' | 'LAST_ACK' | 'LISTEN' | 'CLOSING' | 'NEW_SYN_RECV' | 'UNKNOWN';

export interface SocketInfo {
  readonly inode: number;
  readonly proto: SocketProto;
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly state: TcpState;
  /** Inode of the network namespace the socket was read from. */
  readonly netns: number;
  readonly uid: number;
  /** Processes holding an fd on this socket (may be empty for TIME_WAIT etc.). */
  readonly pids: readonly number[];
}
