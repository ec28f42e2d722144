import type { ProcAncestor, VigilEvent } from '../event.js';
import { cmdline, cmdlineContains, joinArgs, plain } from './helpers.js';
import type { BoundField, FieldDef, FieldType, Getter } from './types.js';

/**
 * proc.a*[N]: N=0 is the process itself, N>=1 its N-th ancestor (1 = parent).
 * Without an index, Falco's proc.aname/proc.apid match when ANY ancestor
 * (the process itself excluded) satisfies the comparison.
 */
function ancestorField(
  name: string,
  type: FieldType,
  desc: string,
  self: (e: VigilEvent) => string | number | undefined,
  anc: (a: ProcAncestor) => string | number | undefined,
  anyAllowed: boolean,
): FieldDef {
  return {
    name,
    type,
    desc,
    arg: anyAllowed ? 'optional' : 'required',
    bind(arg): BoundField | string {
      if (arg === undefined) {
        if (!anyAllowed) return `field ${name} needs an index: ${name}[N]`;
        const get: Getter = (e) => {
          const as = e.proc?.ancestors;
          if (as === undefined) return undefined;
          const out: (string | number)[] = [];
          for (const a of as) {
            const v = anc(a);
            if (v !== undefined) out.push(v);
          }
          return out;
        };
        return { get, type, any: true, derived: true };
      }
      if (!/^\d+$/.test(arg)) return `field ${name}[${arg}]: the index must be a non-negative integer`;
      const n = Number(arg);
      if (n === 0) return { get: self, type, any: false };
      const i = n - 1;
      return {
        get: (e) => {
          const a = e.proc?.ancestors?.[i];
          return a === undefined ? undefined : anc(a);
        },
        type,
        any: false,
      };
    },
  };
}

const parent = (e: VigilEvent): ProcAncestor | undefined => e.proc?.ancestors?.[0];

export const processFields: readonly FieldDef[] = [
  plain('proc.pid', 'number', 'Process id (host pid namespace).', (e) => e.proc?.pid),
  plain('proc.vpid', 'number', 'Process id inside its pid namespace (1 for a container init).', (e) => e.proc?.vpid),
  plain('proc.ppid', 'number', 'Parent process id.', (e) => e.proc?.ppid ?? parent(e)?.pid),
  plain('proc.name', 'string', 'Process name (comm, at most 15 characters).', (e) => e.proc?.name),
  plain('proc.exe', 'string', 'First command-line argument (argv[0]).', (e) => e.proc?.exe),
  plain('proc.exepath', 'string', 'Full path of the executable (/proc/PID/exe).', (e) => e.proc?.exepath),
  plain('proc.args', 'string', 'Command-line arguments after argv[0], space separated.', (e) => (e.proc === undefined ? undefined : joinArgs(e.proc.args)), {
    derived: true,
    containsTest: (v) => cmdlineContains(v, false, (e) => e.proc),
  }),
  plain('proc.cmdline', 'string', "Process name followed by its arguments, space separated (Falco's cmdline).", (e) => (e.proc === undefined ? undefined : cmdline(e.proc.name, e.proc.args)), {
    derived: true,
    containsTest: (v) => cmdlineContains(v, true, (e) => e.proc),
  }),
  plain('proc.pname', 'string', 'Name of the parent process.', (e) => parent(e)?.name),
  plain('proc.pexe', 'string', 'argv[0] of the parent process.', (e) => parent(e)?.exe),
  plain('proc.pexepath', 'string', 'Executable path of the parent process.', (e) => parent(e)?.exepath),
  plain(
    'proc.pcmdline',
    'string',
    'Command line of the parent process (name and args).',
    (e) => {
      const p = parent(e);
      return p === undefined ? undefined : cmdline(p.name, p.args);
    },
    { derived: true, containsTest: (v) => cmdlineContains(v, true, parent) },
  ),
  ancestorField(
    'proc.aname',
    'string',
    'Name of the N-th ancestor (0 = the process, 1 = parent); without [N], any ancestor.',
    (e) => e.proc?.name,
    (a) => a.name,
    true,
  ),
  ancestorField(
    'proc.apid',
    'number',
    'Pid of the N-th ancestor (0 = the process); without [N], any ancestor.',
    (e) => e.proc?.pid,
    (a) => a.pid,
    true,
  ),
  ancestorField(
    'proc.aexepath',
    'string',
    'Executable path of the N-th ancestor (0 = the process).',
    (e) => e.proc?.exepath,
    (a) => a.exepath,
    true,
  ),
  ancestorField(
    'proc.aexe',
    'string',
    'argv[0] of the N-th ancestor (0 = the process).',
    (e) => e.proc?.exe,
    (a) => a.exe,
    true,
  ),
  ancestorField(
    'proc.acmdline',
    'string',
    'Command line of the N-th ancestor (0 = the process).',
    (e) => (e.proc === undefined ? undefined : cmdline(e.proc.name, e.proc.args)),
    (a) => cmdline(a.name, a.args),
    false,
  ),
  plain(
    'proc.exe_class',
    'string',
    'vigil: what the executable is by its identity (device and inode, content hash), not its name: shell, interpreter or network_tool; absent otherwise. A renamed copy of bash is a shell; busybox is the class of its applet.',
    (e) => e.proc?.exeClass,
  ),
  plain(
    'proc.program',
    'string',
    'vigil: the known program the executable is (bash for a renamed copy of bash, nc for `busybox nc`); absent when it is none of the known shells, interpreters and network tools.',
    (e) => e.proc?.program,
  ),
  plain('proc.tty', 'number', 'Controlling terminal (tty_nr); 0 when the process has none.', (e) => e.proc?.tty),
  plain('proc.cwd', 'string', 'Current working directory.', (e) => e.proc?.cwd),
  plain('proc.is_exe_upper_layer', 'bool', "True when the executable comes from the container's writable (upper) layer.", (e) => e.proc?.isExeUpperLayer),
  plain('proc.is_exe_from_memfd', 'bool', 'True when the executable is a memfd_create() file run through its fd (fileless execution).', (e) => e.proc?.isExeFromMemfd),
  plain('proc.vpgid', 'number', 'Process group id in the pid namespace of the process (the pgid for host processes).', (e) => e.proc?.vpgid),
  plain('proc.is_vpgid_leader', 'bool', 'True when the process leads its process group (proc.vpgid = proc.vpid): run directly from a shell prompt rather than by a script.', (e) =>
    e.proc?.vpgid === undefined || e.proc.vpid === undefined ? undefined : e.proc.vpgid === e.proc.vpid,
  ),
  plain('proc.start_ts', 'number', 'Process start time, ns since the epoch.', (e) => (e.proc?.startTimeMs === undefined ? undefined : Math.round(e.proc.startTimeMs * 1e6))),
  plain('proc.duration', 'number', 'Nanoseconds since the process started, at the time of the event.', (e) =>
    e.proc?.startTimeMs === undefined ? undefined : Math.round((e.timeMs - e.proc.startTimeMs) * 1e6),
  ),
  plain('user.name', 'string', 'User name of the process (effective uid).', (e) => e.proc?.user),
  plain('user.uid', 'number', 'User id of the process.', (e) => e.proc?.uid),
  plain('user.loginuid', 'number', 'Audit login uid of the process (who logged in, kept across su and sudo); -1 when it never logged in.', (e) => e.proc?.loginuid),
  plain('group.gid', 'number', 'Group id of the process.', (e) => e.proc?.gid),
];
