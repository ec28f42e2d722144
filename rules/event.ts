/**
 * The one event shape the rule engine sees. Every collector observation is
 * turned into a VigilEvent by the agent; `vigil rules test` reads the same
 * shape from JSON lines, so this file is also the documented event format
 * (see rules/EVENTS.md). A property that is unknown is absent: the engine
 * treats it as Falco treats a missing field (the comparison is false, and
 * output prints `<NA>`).
 *
 * Names follow Falco's field classes: `proc` ↔ proc.*, `fd` ↔ fd.*,
 * `container` ↔ container.*, `k8s` ↔ k8s.*, `user` ↔ user.*.
 */

import type { ContainerMount } from '../core/mounts.js';

/** Every evt.type vigil emits without the kernel audit source; a rule matching none of them never fires. */
export const EVENT_TYPES = ['execve', 'procexit', 'connect', 'accept', 'listen', 'dup', 'container', 'metric'] as const;

/**
 * The evt.type values the kernel audit source adds (agent/events/audit-*.ts):
 * Falco's names, which are the syscalls' names. Only an agent that audits
 * emits them, so only its rule catalog counts rules on them as able to fire.
 */
export const AUDIT_EVENT_TYPES = [
  'open',
  'openat',
  'openat2',
  'creat',
  'connect',
  'accept',
  'accept4',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  'mkdir',
  'mkdirat',
  'rmdir',
  'chmod',
  'fchmod',
  'fchmodat',
  'symlink',
  'symlinkat',
  'link',
  'linkat',
  'setns',
  'unshare',
  'ptrace',
  'mount',
  'umount2',
  'init_module',
  'finit_module',
  'memfd_create',
  'socket',
  'bpf',
  'setuid',
  'setgid',
  'userfaultfd',
  'execve',
  'execveat',
] as const;

export type EventType = (typeof EVENT_TYPES)[number] | (typeof AUDIT_EVENT_TYPES)[number];

/** Falco's source names: process/network events are `syscall`. */
export type EventSource = 'syscall' | 'metrics';

export interface ProcAncestor {
  readonly pid: number;
  readonly name: string;
  readonly exepath?: string;
  readonly args?: readonly string[];
  /** argv[0] (proc.pexe / proc.aexe[N]); added by the rule engine, optional. */
  readonly exe?: string;
}

export interface ProcFields {
  readonly pid: number;
  readonly vpid?: number;
  readonly ppid?: number;
  /** comm (proc.name). */
  readonly name: string;
  /** /proc/<pid>/exe target (proc.exepath). */
  readonly exepath?: string;
  /** argv[0] (proc.exe). */
  readonly exe?: string;
  /** argv[1..] (proc.args is these joined by spaces). */
  readonly args?: readonly string[];
  readonly tty?: number;
  readonly cwd?: string;
  readonly uid?: number;
  readonly user?: string;
  readonly gid?: number;
  /** Start time, ms since the epoch. */
  readonly startTimeMs?: number;
  readonly isExeUpperLayer?: boolean;
  /** The executable is a memfd_create() file run through its fd (/proc/<pid>/exe is `/memfd:NAME (deleted)`). */
  readonly isExeFromMemfd?: boolean;
  /** Process group id in the process's pid namespace (proc.vpgid; the pgid for host processes). */
  readonly vpgid?: number;
  /**
   * Capability sets in Falco's format: the CAP_* names of the set bits in
   * bit order, space separated (`CAP_CHOWN CAP_DAC_OVERRIDE ...`), '' for none.
   */
  readonly capEffective?: string;
  readonly capPermitted?: string;
  /** Audit login uid; -1 when the process never logged in (user.loginuid). */
  readonly loginuid?: number;
  /** Environment entries, `NAME=value` each (proc.env). */
  readonly env?: readonly string[];
  /** vigil: what the executable is by identity (shell, interpreter, network_tool), whatever its name (proc.exe_class). */
  readonly exeClass?: string;
  /** vigil: the known program the executable is: `bash` for a renamed copy of bash, the applet of busybox (proc.program). */
  readonly program?: string;
  /** Parent first: ancestors[0] is the parent (proc.pname), [1] the grandparent. */
  readonly ancestors?: readonly ProcAncestor[];
  /** The process was gone before it could be fully read. */
  readonly partial?: boolean;
}

export interface FdFields {
  /** Falco's fd.type: ipv4, ipv6, file, unix, pipe, ... */
  readonly type: string;
  readonly num?: number;
  readonly l4proto?: 'tcp' | 'udp';
  /** Client / server view (Falco's fd.cip/fd.sip...). */
  readonly cip?: string;
  readonly cport?: number;
  readonly sip?: string;
  readonly sport?: number;
  /** Local / remote view (fd.lip/fd.rip...). */
  readonly lip?: string;
  readonly lport?: number;
  readonly rip?: string;
  readonly rport?: number;
  /** fd.name: `cip:cport->sip:sport` for connected sockets, the path for files. */
  readonly name?: string;
  readonly netns?: number;
  /** vigil: `out` when this side connected, `in` when it accepted (fd.direction). */
  readonly direction?: 'in' | 'out';
  /**
   * vigil: on `dup`, set when the stdio fd reaches the socket through a pipe
   * or pty held by another process (a relay such as `nc host port | sh`),
   * naming that process (fd.relay.pid, fd.relay.name).
   */
  readonly relayPid?: number;
  readonly relayName?: string;
  /** Files: the path as the syscall gave it, not made absolute (fd.nameraw). */
  readonly nameraw?: string;
  /** Sockets: connected (fd.connected); a failed connect leaves it false. */
  readonly connected?: boolean;
  /** The event changed the fd's name (fd.name_changed): a connect names its socket. */
  readonly nameChanged?: boolean;
}

/** One syscall argument as Falco renders it (evt.arg.NAME, evt.rawarg.NAME, evt.args). */
export interface EventArg {
  readonly name: string;
  /** libsinsp's plain rendering: numbers in the param's base, flags as their numeric value, paths as given. */
  readonly value: string;
  /** libsinsp's resolved rendering when it has one: flag names (`O_WRONLY|O_TRUNC`), an errno name, an absolute path. */
  readonly resolved?: string;
  /** evt.rawarg.NAME: the number behind a numeric or flags argument (Falco's own flag bits). */
  readonly raw?: number;
}

/** What an open* event asked for (evt.is_open_read, _write, _exec, _create). */
export interface OpenFields {
  readonly read: boolean;
  readonly write: boolean;
  /** Created with an executable mode bit (O_CREAT or O_TMPFILE with S_IX*). */
  readonly exec: boolean;
  /** The file was created by this call. */
  readonly create: boolean;
}

export type { ContainerMount };

export interface ContainerFields {
  /** Full id; container.id is its first 12 characters, as in Falco. */
  readonly id: string;
  readonly name?: string;
  readonly image?: string;
  readonly imageRepository?: string;
  readonly imageTag?: string;
  readonly imageId?: string;
  /** `sha256:…` when the runtime gave a digest (container.image.digest). */
  readonly imageDigest?: string;
  readonly runtime?: string;
  readonly privileged?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  readonly startTimeSec?: number;
  /** The runtime's mounts, in its order (container.mount.*); absent when the runtime was not asked. */
  readonly mounts?: readonly ContainerMount[];
  /**
   * Lifecycle state on `container` events: `started` for a container that
   * started while the agent ran, `running` for one found already running at
   * the agent's start (so a restart of the agent does not re-alert on every
   * container of the node), `stopped` when it goes away.
   */
  readonly state?: 'started' | 'running' | 'stopped';
}

export interface K8sFields {
  readonly ns: string;
  readonly podName: string;
  readonly podUid?: string;
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Primary pod IP (k8s.pod.ip) and all of them; absent on host-network pods. */
  readonly podIp?: string;
  readonly podIps?: readonly string[];
  readonly hostNetwork?: boolean;
  /** The CNI result the runtime recorded for the sandbox (k8s.pod.cni.json), where it gives one. */
  readonly cniJson?: string;
  readonly containerName?: string;
  /** vigil's own: the owning workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
  readonly workloadKind?: string;
  readonly workloadName?: string;
  /** `api`: from the owner references the API server gave; `guess`: from the pod name and labels (no API). */
  readonly workloadSource?: 'api' | 'guess';
  /** The pod's controller owner as the API gave it (a ReplicaSet, a Job...): k8smeta.rs.name. */
  readonly ownerKind?: string;
  readonly ownerName?: string;
}

/** A node or container sample (source: metrics). Values are base units. */
export interface MetricFields {
  /** What the sample is of: the node, one filesystem, one container. */
  readonly subject: 'node' | 'filesystem' | 'container';
  readonly values: Readonly<Record<string, number>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * vigil: the pod-to-pod (or pod-to-outside) edge a connect/accept event is,
 * between workload identities, and whether the learned baseline knows it.
 */
export interface EdgeFields {
  /** Identity of the connecting side: `ns/kind/workload/container`, or `host`, or `ip:<addr>`. */
  readonly src: string;
  /** Identity of the accepting side, same forms; `external:<addr>` outside the cluster. */
  readonly dst: string;
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  /** `src -> dst:port/proto`, the unit of allowlists and of the baseline. */
  readonly key: string;
  /** True while the baseline is still learning (edge.learning). */
  readonly learning: boolean;
  /** True when learning is over and the baseline does not hold this edge (edge.new). */
  readonly isNew: boolean;
  /** The peer is outside every cluster CIDR (edge.external). */
  readonly external: boolean;
}

export interface VigilEvent {
  readonly type: EventType;
  readonly source: EventSource;
  /** ms since the epoch. */
  readonly timeMs: number;
  /** evt.num: the agent numbers events from 1 as they enter the engine. */
  readonly num?: number;
  /**
   * evt.rawres: the syscall's return value (a negative errno on failure;
   * evt.res is `SUCCESS` or that errno's name); for `dup`, the stdio fd (0,
   * 1 or 2) that points at the socket.
   */
  readonly rawres?: number;
  /** The syscall's arguments in Falco's order and formats (audit events). */
  readonly args?: readonly EventArg[];
  /** On open, openat, openat2 and creat. */
  readonly open?: OpenFields;
  readonly hostname?: string;
  readonly proc?: ProcFields;
  readonly fd?: FdFields;
  readonly container?: ContainerFields;
  readonly k8s?: K8sFields;
  readonly metric?: MetricFields;
  readonly edge?: EdgeFields;
}
