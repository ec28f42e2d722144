import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The pipes, pty masters and sockets one process holds: what a relay search
 * needs to learn whether a shell's stdio leads to a network socket through
 * another process. Only read for a handful of candidates per search, so a
 * plain synchronous walk of /proc/<pid>/fd is fine.
 */
export interface RelayFds {
  /** Pipes held open for reading: this process consumes what is written into them. */
  readonly pipesRead: ReadonlySet<number>;
  /** Pipes held open for writing: this process feeds them. */
  readonly pipesWritten: ReadonlySet<number>;
  readonly sockets: ReadonlySet<number>;
  /** tty-index of each /dev/ptmx the process holds (from fdinfo), i.e. which pts it is master of. */
  readonly ptyMasters: ReadonlySet<number>;
}

const PIPE = /^pipe:\[(\d+)\]$/;
const SOCKET = /^socket:\[(\d+)\]$/;
const TTY_INDEX = /^tty-index:\s*(\d+)$/m;
const FLAGS = /^flags:\s*([0-7]+)$/m;
const O_ACCMODE = 0o3;
const O_RDONLY = 0o0;
const O_WRONLY = 0o1;

/** undefined when the process is gone or unreadable (churn, not an error). */
export function readRelayFds(procRoot: string, pid: number, maxFds = 4096): RelayFds | undefined {
  const dir = `${procRoot}/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const pipesRead = new Set<number>();
  const pipesWritten = new Set<number>();
  const sockets = new Set<number>();
  const ptyMasters = new Set<number>();
  for (const name of names.slice(0, maxFds)) {
    let target: string;
    try {
      target = readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // fd closed between readdir and readlink
    }
    let m = PIPE.exec(target);
    if (m) {
      // Both ends of a pipe share one inode: the access mode tells which end this is.
      const mode = accessMode(fdinfo(procRoot, pid, name));
      const inode = Number(m[1]);
      if (mode !== O_WRONLY) pipesRead.add(inode);
      if (mode !== O_RDONLY) pipesWritten.add(inode);
      continue;
    }
    m = SOCKET.exec(target);
    if (m) {
      sockets.add(Number(m[1]));
      continue;
    }
    if (target === '/dev/ptmx' || target === '/dev/pts/ptmx') {
      const index = TTY_INDEX.exec(fdinfo(procRoot, pid, name));
      if (index) ptyMasters.add(Number(index[1]));
    }
  }
  return { pipesRead, pipesWritten, sockets, ptyMasters };
}

function fdinfo(procRoot: string, pid: number, fd: string): string {
  try {
    return readFileSync(`${procRoot}/${pid}/fdinfo/${fd}`, 'latin1');
  } catch {
    return '';
  }
}

/** O_RDONLY / O_WRONLY / O_RDWR from fdinfo's octal flags; unknown counts as read-write. */
function accessMode(info: string): number {
  const m = FLAGS.exec(info);
  return m ? Number.parseInt(m[1]!, 8) & O_ACCMODE : 0o2;
}

/** `/dev/pts/3` → 3; anything else (a console, /dev/tty1) is not a pty slave. */
export function ptsIndex(path: string): number | undefined {
  const m = /^\/dev\/pts\/(\d+)$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

/**
 * Inodes of the Unix sockets in the network namespace of `pid`
 * (/proc/<pid>/net/unix, column 7). undefined when the pid is gone.
 */
export function readUnixInodes(procRoot: string, pid: number): ReadonlySet<number> | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/net/unix`, 'latin1');
  } catch {
    return undefined;
  }
  const inodes = new Set<number>();
  let start = text.indexOf('\n') + 1; // header line
  while (start > 0 && start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    const cols = line.trim().split(/\s+/);
    const inode = Number(cols[6]);
    if (Number.isInteger(inode) && inode > 0) inodes.add(inode);
    start = end < 0 ? text.length : end + 1;
  }
  return inodes;
}
