import type { FdTarget } from '../model.js';

const INODE_LINK = /^([a-z_]+):\[(\d+)\]$/;

/**
 * What one fd link (readlink of /proc/<pid>/fd/N) points at. `undefined`
 * (fd not open, or the process vanished) is 'none'. Terminals are the pty
 * slaves, virtual consoles and serial lines that `ps` shows as TTY.
 */
export function parseFdLink(target: string | undefined): FdTarget {
  if (target === undefined || target === '') return { kind: 'none' };
  const m = INODE_LINK.exec(target);
  if (m) {
    const inode = Number(m[2]);
    if (m[1] === 'socket') return { kind: 'socket', inode };
    if (m[1] === 'pipe') return { kind: 'pipe', inode };
    return { kind: 'anon', path: target };
  }
  if (target.startsWith('anon_inode:')) return { kind: 'anon', path: target };
  if (isTtyPath(target)) return { kind: 'tty', path: target };
  return { kind: 'file', path: target };
}

function isTtyPath(p: string): boolean {
  return p.startsWith('/dev/pts/') || /^\/dev\/tty[A-Za-z]*\d*$/.test(p) || p === '/dev/console';
}

/** Inode of a namespace link such as "net:[4026531840]"; undefined otherwise. */
export function parseNsLink(target: string | undefined): number | undefined {
  if (target === undefined) return undefined;
  const m = INODE_LINK.exec(target);
  return m ? Number(m[2]) : undefined;
}

/** Socket inode of an fd link, or undefined when it is not a socket. */
export function socketInodeOf(target: string): number | undefined {
  // Cheaper than the regex: this runs for every fd of every new process.
  if (!target.startsWith('socket:[')) return undefined;
  const n = Number(target.slice(8, -1));
  return Number.isInteger(n) ? n : undefined;
}

/** fd target equality, to report a stdio change only when something moved. */
export function sameFdTarget(a: FdTarget, b: FdTarget): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'pipe':
    case 'socket':
      return a.inode === (b as { inode: number }).inode;
    case 'file':
    case 'tty':
    case 'anon':
      return a.path === (b as { path: string }).path;
    default:
      return true;
  }
}
