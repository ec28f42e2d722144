/**
 * The contract between the kernel audit source (collectors/audit) and the
 * event layer (agent/events/audit-*.ts): one syscall as the kernel's audit
 * records describe it (SYSCALL + EXECVE + CWD + PATH... + SOCKADDR +
 * PROCTITLE, closed by EOE), assembled and decoded (hex fields made text),
 * still in the kernel's terms. Mapping to Falco's event names and fields is
 * the event layer's job, not the source's.
 */

/** One PATH record (`item=N`): a path the syscall touched. */
export interface AuditPath {
  readonly item: number;
  /** `name=`, decoded; relative paths are relative to `AuditSyscall.cwd`. */
  readonly name?: string;
  readonly inode?: number;
  /** `mode=` as a number (file type and permission bits), when the file exists. */
  readonly mode?: number;
  /** `nametype=`: NORMAL, PARENT, CREATE, DELETE, UNKNOWN. */
  readonly nametype?: string;
  readonly ouid?: number;
}

/** The SOCKADDR record, decoded from its hex `saddr=`. */
export type AuditSockaddr =
  | { readonly family: 'inet' | 'inet6'; readonly addr: string; readonly port: number }
  | { readonly family: 'unix'; readonly path: string }
  | { readonly family: 'netlink' | 'other'; readonly raw: string };

export interface AuditSyscall {
  /** The record group's serial (`audit(<sec>.<ms>:<serial>)`), unique per boot. */
  readonly serial: number;
  /** The kernel's timestamp, ms since the epoch. */
  readonly timeMs: number;
  /** Syscall name for this machine's arch (`openat`, `connect`...); `syscall_<n>` when unknown. */
  readonly syscall: string;
  readonly syscallNr: number;
  /** `success=yes`; absent for syscalls that report none. */
  readonly success?: boolean;
  /** `exit=`: the return value, a negative errno on failure. */
  readonly exit?: number;
  /** a0..a3 as the kernel printed them (hex, unsigned). */
  readonly args: readonly string[];
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
  /** Login uid; 4294967295 (unset) is absent. */
  readonly auid?: number;
  readonly ses?: number;
  /** `tty=`, absent for `(none)`. */
  readonly tty?: string;
  /** comm, decoded. */
  readonly comm: string;
  /** exe path, decoded. */
  readonly exe?: string;
  /** The rule key that matched (`key=`), decoded; absent for `(null)`. */
  readonly key?: string;
  readonly cwd?: string;
  readonly paths: readonly AuditPath[];
  readonly sockaddr?: AuditSockaddr;
  /** EXECVE's a0..aN (argv), decoded, for execve/execveat. */
  readonly argv?: readonly string[];
  /** PROCTITLE, NUL-separated argv split into strings, decoded. */
  readonly proctitle?: readonly string[];
}

/**
 * What the event layer asks the source to audit, derived from the loaded
 * rules' evt.type index: syscall names (this arch's). An empty plan adds no
 * rule at all. The source may narrow it further (it never audits itself).
 */
export interface AuditPlan {
  readonly syscalls: readonly string[];
}
