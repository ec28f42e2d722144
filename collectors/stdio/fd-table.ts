import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The pipes, pty masters and sockets one process holds: what a relay search
 * needs to learn whether a shell's stdio leads to a network socket through
 * another process. Only read for a handful of socket owners per search, so a
 * plain synchronous walk of /proc/<pid>/fd is fine.
 */
export interface RelayFds {
  readonly pipes: ReadonlySet<number>;
  readonly sockets: ReadonlySet<number>;
  /** tty-index of each /dev/ptmx the process holds (from fdinfo), i.e. which pts it is master of. */
  readonly ptyMasters: ReadonlySet<number>;
}

const PIPE = /^pipe:\[(\d+)\]$/;
const SOCKET = /^socket:\[(\d+)\]$/;
const TTY_INDEX = /^tty-index:\s*(\d+)$/m;

/** undefined when the process is gone or unreadable (churn, not an error). */
export function readRelayFds(procRoot: string, pid: number, maxFds = 4096): RelayFds | undefined {
  const dir = `${procRoot}/${pid}/fd`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const pipes = new Set<number>();
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
      pipes.add(Number(m[1]));
      continue;
    }
    m = SOCKET.exec(target);
    if (m) {
      sockets.add(Number(m[1]));
      continue;
    }
    if (target === '/dev/ptmx' || target === '/dev/pts/ptmx') {
      const index = ptyIndexOf(procRoot, pid, name);
      if (index !== undefined) ptyMasters.add(index);
    }
  }
  return { pipes, sockets, ptyMasters };
}

function ptyIndexOf(procRoot: string, pid: number, fd: string): number | undefined {
  try {
    const m = TTY_INDEX.exec(readFileSync(`${procRoot}/${pid}/fdinfo/${fd}`, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `/dev/pts/3` → 3; anything else (a console, /dev/tty1) is not a pty slave. */
export function ptsIndex(path: string): number | undefined {
  const m = /^\/dev\/pts\/(\d+)$/.exec(path);
  return m ? Number(m[1]) : undefined;
}
