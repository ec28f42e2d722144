/**
 * Syscall arguments in Falco's formats: the kernel's values (as the audit
 * record gives them) converted to libsinsp's own flag bits (driver/
 * ppm_flag_helpers.h) and named from its tables, in their order
 * (driver/flags_table.c), both from falcosecurity/libs at 48dfd53cd23f
 * (0.25.0-rc1-115). Rendering follows sinsp_evt::get_param_as_str: flags
 * take every name whose bits are all set, removing them as they go
 * (`O_TRUNC|O_CREAT|O_WRONLY`); enums take every exact match
 * (`AF_LOCAL|AF_UNIX`); modes list the permission bits.
 */

type Table = readonly (readonly [name: string, value: number])[];

const bit = (n: number): number => 2 ** n;

const FILE_FLAGS: Table = [
  ['O_LARGEFILE', bit(11)],
  ['O_DIRECTORY', bit(10)],
  ['O_DIRECT', bit(9)],
  ['O_TRUNC', bit(8)],
  ['O_SYNC', bit(7)],
  ['O_NONBLOCK', bit(6)],
  ['O_EXCL', bit(5)],
  ['O_DSYNC', bit(4)],
  ['O_APPEND', bit(3)],
  ['O_CREAT', bit(2)],
  ['O_RDWR', 3],
  ['O_WRONLY', bit(1)],
  ['O_RDONLY', bit(0)],
  ['O_CLOEXEC', bit(12)],
  ['O_NONE', 0],
  ['O_TMPFILE', bit(13)],
  ['O_F_CREATED', bit(14)],
  ['FD_UPPER_LAYER', bit(15)],
  ['FD_LOWER_LAYER', bit(16)],
];
export const PPM_O_RDONLY = bit(0);
export const PPM_O_WRONLY = bit(1);
export const PPM_O_CREAT = bit(2);
export const PPM_O_TMPFILE = bit(13);
export const PPM_O_F_CREATED = bit(14);

const CHMOD_MODE: Table = [
  ['S_IXOTH', 0o1],
  ['S_IWOTH', 0o2],
  ['S_IROTH', 0o4],
  ['S_IXGRP', 0o10],
  ['S_IWGRP', 0o20],
  ['S_IRGRP', 0o40],
  ['S_IXUSR', 0o100],
  ['S_IWUSR', 0o200],
  ['S_IRUSR', 0o400],
  ['S_ISVTX', 0o1000],
  ['S_ISGID', 0o2000],
  ['S_ISUID', 0o4000],
];

const CLONE_FLAGS: Table = [
  ['CLONE_FILES', bit(0)],
  ['CLONE_FS', bit(1)],
  ['CLONE_IO', bit(2)],
  ['CLONE_NEWIPC', bit(3)],
  ['CLONE_NEWNET', bit(4)],
  ['CLONE_NEWNS', bit(5)],
  ['CLONE_NEWPID', bit(6)],
  ['CLONE_NEWUTS', bit(7)],
  ['CLONE_PARENT', bit(8)],
  ['CLONE_PARENT_SETTID', bit(9)],
  ['CLONE_PTRACE', bit(10)],
  ['CLONE_SIGHAND', bit(11)],
  ['CLONE_SYSVSEM', bit(12)],
  ['CLONE_THREAD', bit(13)],
  ['CLONE_UNTRACED', bit(14)],
  ['CLONE_VM', bit(15)],
  ['CLONE_NEWUSER', bit(20)],
  ['CLONE_CHILD_CLEARTID', bit(23)],
  ['CLONE_CHILD_SETTID', bit(24)],
  ['CLONE_SETTLS', bit(25)],
  ['CLONE_STOPPED', bit(26)],
  ['CLONE_VFORK', bit(27)],
  ['CLONE_NEWCGROUP', bit(28)],
];
/** Linux clone/unshare/setns bits → Falco's. */
const LINUX_CLONE: readonly (readonly [number, number])[] = [
  [0x400, bit(0)], // CLONE_FILES
  [0x200, bit(1)], // CLONE_FS
  [0x80000000, bit(2)], // CLONE_IO
  [0x08000000, bit(3)], // CLONE_NEWIPC
  [0x40000000, bit(4)], // CLONE_NEWNET
  [0x20000, bit(5)], // CLONE_NEWNS
  [0x20000000, bit(6)], // CLONE_NEWPID
  [0x04000000, bit(7)], // CLONE_NEWUTS
  [0x8000, bit(8)], // CLONE_PARENT
  [0x100000, bit(9)], // CLONE_PARENT_SETTID
  [0x2000, bit(10)], // CLONE_PTRACE
  [0x800, bit(11)], // CLONE_SIGHAND
  [0x40000, bit(12)], // CLONE_SYSVSEM
  [0x10000, bit(13)], // CLONE_THREAD
  [0x800000, bit(14)], // CLONE_UNTRACED
  [0x100, bit(15)], // CLONE_VM
  [0x10000000, bit(20)], // CLONE_NEWUSER
  [0x200000, bit(23)], // CLONE_CHILD_CLEARTID
  [0x1000000, bit(24)], // CLONE_CHILD_SETTID
  [0x80000, bit(25)], // CLONE_SETTLS
  [0x4000, bit(27)], // CLONE_VFORK
  [0x02000000, bit(28)], // CLONE_NEWCGROUP
];

const SOCKET_FAMILIES: Table = [
  ['AF_NFC', 39],
  ['AF_ALG', 38],
  ['AF_CAIF', 37],
  ['AF_IEEE802154', 36],
  ['AF_PHONET', 35],
  ['AF_ISDN', 34],
  ['AF_RXRPC', 33],
  ['AF_IUCV', 32],
  ['AF_BLUETOOTH', 31],
  ['AF_TIPC', 30],
  ['AF_CAN', 29],
  ['AF_LLC', 26],
  ['AF_WANPIPE', 25],
  ['AF_PPPOX', 24],
  ['AF_IRDA', 23],
  ['AF_SNA', 22],
  ['AF_RDS', 21],
  ['AF_ATMSVC', 20],
  ['AF_ECONET', 19],
  ['AF_ASH', 18],
  ['AF_PACKET', 17],
  ['AF_ROUTE', 16],
  ['AF_NETLINK', 16],
  ['AF_KEY', 15],
  ['AF_SECURITY', 14],
  ['AF_NETBEUI', 13],
  ['AF_DECnet', 12],
  ['AF_ROSE', 11],
  ['AF_INET6', 10],
  ['AF_X25', 9],
  ['AF_ATMPVC', 8],
  ['AF_BRIDGE', 7],
  ['AF_NETROM', 6],
  ['AF_APPLETALK', 5],
  ['AF_IPX', 4],
  ['AF_AX25', 3],
  ['AF_INET', 2],
  ['AF_LOCAL', 1],
  ['AF_UNIX', 1],
  ['AF_UNSPEC', 0],
];

const PTRACE_REQUESTS: Table = [
  ['PTRACE_SINGLEBLOCK', 38],
  ['PTRACE_SYSEMU_SINGLESTEP', 37],
  ['PTRACE_SYSEMU', 36],
  ['PTRACE_ARCH_PRCTL', 35],
  ['PTRACE_SET_THREAD_AREA', 34],
  ['PTRACE_GET_THREAD_AREA', 33],
  ['PTRACE_OLDSETOPTIONS', 32],
  ['PTRACE_SETFPXREGS', 31],
  ['PTRACE_GETFPXREGS', 30],
  ['PTRACE_SETFPREGS', 29],
  ['PTRACE_GETFPREGS', 28],
  ['PTRACE_SETREGS', 27],
  ['PTRACE_GETREGS', 26],
  ['PTRACE_SETSIGMASK', 25],
  ['PTRACE_GETSIGMASK', 24],
  ['PTRACE_PEEKSIGINFO', 23],
  ['PTRACE_LISTEN', 22],
  ['PTRACE_INTERRUPT', 21],
  ['PTRACE_SEIZE', 20],
  ['PTRACE_SETREGSET', 19],
  ['PTRACE_GETREGSET', 18],
  ['PTRACE_SETSIGINFO', 17],
  ['PTRACE_GETSIGINFO', 16],
  ['PTRACE_GETEVENTMSG', 15],
  ['PTRACE_SETOPTIONS', 14],
  ['PTRACE_SYSCALL', 13],
  ['PTRACE_DETACH', 12],
  ['PTRACE_ATTACH', 11],
  ['PTRACE_SINGLESTEP', 10],
  ['PTRACE_KILL', 9],
  ['PTRACE_CONT', 8],
  ['PTRACE_POKEUSR', 7],
  ['PTRACE_POKEDATA', 6],
  ['PTRACE_POKETEXT', 5],
  ['PTRACE_PEEKUSR', 4],
  ['PTRACE_PEEKDATA', 3],
  ['PTRACE_PEEKTEXT', 2],
  ['PTRACE_TRACEME', 1],
  ['PTRACE_UNKNOWN', 0],
];
/** Linux ptrace request → Falco's enum (ptrace_requests_to_scap). */
const LINUX_PTRACE: ReadonlyMap<number, number> = new Map([
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 6],
  [6, 7],
  [7, 8],
  [8, 9],
  [9, 10],
  [12, 26],
  [13, 27],
  [14, 28],
  [15, 29],
  [16, 11],
  [17, 12],
  [18, 30],
  [19, 31],
  [21, 32],
  [24, 13],
  [25, 33],
  [26, 34],
  [30, 35],
  [31, 36],
  [32, 37],
  [33, 38],
  [0x4200, 14],
  [0x4201, 15],
  [0x4202, 16],
  [0x4203, 17],
  [0x4204, 18],
  [0x4205, 19],
  [0x4206, 20],
  [0x4207, 21],
  [0x4208, 22],
  [0x4209, 23],
  [0x420a, 24],
  [0x420b, 25],
]);

// These tables use the kernel's own values.
const MOUNT_FLAGS: Table = [
  'RDONLY',
  'NOSUID',
  'NODEV',
  'NOEXEC',
  'SYNCHRONOUS',
  'REMOUNT',
  'MANDLOCK',
  'DIRSYNC',
  '',
  '',
  'NOATIME',
  'NODIRATIME',
  'BIND',
  'MOVE',
  'REC',
  'SILENT',
  'POSIXACL',
  'UNBINDABLE',
  'PRIVATE',
  'SLAVE',
  'SHARED',
  'RELATIME',
  'KERNMOUNT',
  'I_VERSION',
  'STRICTATIME',
  'LAZYTIME',
  '',
  '',
  'NOSEC',
  'BORN',
  'ACTIVE',
  'NOUSER',
].flatMap((name, i) => (name === '' ? [] : [[name, bit(i)] as const]));
const UMOUNT_FLAGS: Table = [
  ['FORCE', 1],
  ['DETACH', 2],
  ['EXPIRE', 4],
  ['NOFOLLOW', 8],
];
const UNLINKAT_FLAGS: Table = [['AT_REMOVEDIR', 0x200]];
const MEMFD_FLAGS: Table = [
  ['MFD_CLOEXEC', 1],
  ['MFD_ALLOW_SEALING', 2],
  ['MFD_HUGETLB', 4],
];
const FINIT_MODULE_FLAGS: Table = [
  ['MODULE_INIT_IGNORE_MODVERSIONS', 1],
  ['MODULE_INIT_IGNORE_VERMAGIC', 2],
  ['MODULE_INIT_COMPRESSED_FILE', 4],
];
const BPF_COMMANDS: Table = [
  'BPF_MAP_CREATE',
  'BPF_MAP_LOOKUP_ELEM',
  'BPF_MAP_UPDATE_ELEM',
  'BPF_MAP_DELETE_ELEM',
  'BPF_MAP_GET_NEXT_KEY',
  'BPF_PROG_LOAD',
  'BPF_OBJ_PIN',
  'BPF_OBJ_GET',
  'BPF_PROG_ATTACH',
  'BPF_PROG_DETACH',
  'BPF_PROG_TEST_RUN',
  'BPF_PROG_RUN',
  'BPF_PROG_GET_NEXT_ID',
  'BPF_MAP_GET_NEXT_ID',
  'BPF_PROG_GET_FD_BY_ID',
  'BPF_MAP_GET_FD_BY_ID',
  'BPF_OBJ_GET_INFO_BY_FD',
  'BPF_PROG_QUERY',
  'BPF_RAW_TRACEPOINT_OPEN',
  'BPF_BTF_LOAD',
  'BPF_BTF_GET_FD_BY_ID',
  'BPF_TASK_FD_QUERY',
  'BPF_MAP_LOOKUP_AND_DELETE_ELEM',
  'BPF_MAP_FREEZE',
  'BPF_BTF_GET_NEXT_ID',
  'BPF_MAP_LOOKUP_BATCH',
  'BPF_MAP_LOOKUP_AND_DELETE_BATCH',
  'BPF_MAP_UPDATE_BATCH',
  'BPF_MAP_DELETE_BATCH',
  'BPF_LINK_CREATE',
  'BPF_LINK_UPDATE',
  'BPF_LINK_GET_FD_BY_ID',
  'BPF_LINK_GET_NEXT_ID',
  'BPF_ENABLE_STATS',
  'BPF_ITER_CREATE',
  'BPF_LINK_DETACH',
  'BPF_PROG_BIND_MAP',
].map((name, i) => [name, i > 10 ? i - 1 : i] as const);

/** Bitwise flags: every name whose bits are all set, in table order, each removing its bits. */
export function flagNames(value: number, table: Table): string {
  const out: string[] = [];
  let val = value;
  for (const [name, v] of table) {
    if ((v === 0 && value === 0) || (v !== 0 && val !== 0 && and(val, v) === v)) {
      out.push(name);
      val = and(val, ~v >>> 0);
      if (v === value) break;
    }
  }
  return out.join('|');
}

/** Enum values: every name with exactly this value. */
export function enumNames(value: number, table: Table): string {
  return table
    .filter(([, v]) => v === value)
    .map(([n]) => n)
    .join('|');
}

/** PT_MODE: the permission bits set, low to high. */
export function modeNames(value: number): string {
  const out: string[] = [];
  let val = value;
  let i = 0;
  for (; i < CHMOD_MODE.length && CHMOD_MODE[i]![1] !== value; i++) {
    const v = CHMOD_MODE[i]![1];
    if (val !== 0 && (val & v) === v) {
      out.push(CHMOD_MODE[i]![0]);
      val &= ~v;
    }
  }
  if (i < CHMOD_MODE.length) out.push(CHMOD_MODE[i]![0]);
  return out.join('|');
}

/** Bitwise and on unsigned 32-bit values (JS `&` is signed). */
function and(a: number, b: number): number {
  return (a & b) >>> 0;
}

/** The kernel's O_* bits: the generic ones, and aarch64's four that differ. */
const O = {
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  CLOEXEC: 0o2000000,
  SYNC: 0o4010000,
  TMPFILE: 0o20000000,
  ...(process.arch === 'arm64' ? { DIRECTORY: 0o40000, DIRECT: 0o200000, LARGEFILE: 0o400000 } : { DIRECTORY: 0o200000, DIRECT: 0o40000, LARGEFILE: 0o100000 }),
};

/**
 * open_flags_to_scap. One difference, on purpose: O_TMPFILE and O_SYNC are
 * tested as whole values (O_TMPFILE includes O_DIRECTORY's bit, O_SYNC
 * O_DSYNC's), so opening a directory is not taken for a temporary file.
 */
export function openFlagsToFalco(flags: number): number {
  let res = 0;
  const acc = flags & 3;
  res |= acc === O.WRONLY ? PPM_O_WRONLY : acc === O.RDWR ? 3 : PPM_O_RDONLY;
  const pairs: readonly (readonly [number, number])[] = [
    [O.CREAT, PPM_O_CREAT],
    [O.APPEND, bit(3)],
    [O.DSYNC, bit(4)],
    [O.EXCL, bit(5)],
    [O.NONBLOCK, bit(6)],
    [O.TRUNC, bit(8)],
    [O.DIRECT, bit(9)],
    [O.LARGEFILE, bit(11)],
    [O.CLOEXEC, bit(12)],
  ];
  for (const [linux, ppm] of pairs) if ((flags & linux) !== 0) res |= ppm;
  if (and(flags, O.SYNC) === O.SYNC) res |= bit(7);
  if (and(flags, O.TMPFILE) === O.TMPFILE) res |= PPM_O_TMPFILE;
  else if ((flags & O.DIRECTORY) !== 0) res |= bit(10);
  return res >>> 0;
}

export const openFlagNames = (ppm: number): string => flagNames(ppm, FILE_FLAGS);

/** socket()'s SOCK_NONBLOCK / SOCK_CLOEXEC (O_NONBLOCK / O_CLOEXEC's values) as file flags. */
export function socketTypeFlagsToFalco(type: number): number {
  return ((type & O.NONBLOCK ? bit(6) : 0) | (type & O.CLOEXEC ? bit(12) : 0)) >>> 0;
}

export function cloneFlagsToFalco(flags: number): number {
  let res = 0;
  for (const [linux, ppm] of LINUX_CLONE) if (and(flags, linux) !== 0) res |= ppm;
  return res >>> 0;
}
export const cloneFlagNames = (ppm: number): string => flagNames(ppm, CLONE_FLAGS);

export const ptraceToFalco = (request: number): number => LINUX_PTRACE.get(request) ?? 0;
export const ptraceNames = (ppm: number): string => enumNames(ppm, PTRACE_REQUESTS);
export const socketFamilyNames = (family: number): string => enumNames(family, SOCKET_FAMILIES);
export const bpfCommandNames = (cmd: number): string => enumNames(cmd, BPF_COMMANDS);

/** mount's flags without the old MS_MGC_VAL magic in the high half. */
export function mountFlagsToFalco(flags: number): number {
  return and(flags, 0xffff0000) === 0xc0ed0000 ? and(flags, 0xffff) : flags >>> 0;
}
export const mountFlagNames = (v: number): string => flagNames(v, MOUNT_FLAGS);
export const umountFlagNames = (v: number): string => flagNames(v, UMOUNT_FLAGS);
export const unlinkatFlagNames = (v: number): string => flagNames(v, UNLINKAT_FLAGS);
export const memfdFlagNames = (v: number): string => flagNames(v, MEMFD_FLAGS);
export const finitModuleFlagNames = (v: number): string => flagNames(v, FINIT_MODULE_FLAGS);
