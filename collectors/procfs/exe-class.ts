import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import type { ProgramClass } from '../model.js';
import { classOfName, MULTICALL_BINARIES, PROGRAM_CLASSES } from '../../core/programs.js';

/**
 * What a process's executable is, by identity rather than by name: a copy
 * of bash saved as /tmp/kworker is still a shell. The executable is known by
 * the device and inode of /proc/<pid>/exe; each new inode is classified once
 * (cached):
 *  0. a known name in a program directory (/bin/bash) with no other hard
 *     link is that program: the index below would list this very file;
 *  1. the same inode as a known program of the host or of the container's
 *     image (/bin/bash, /usr/bin/ncat...; a hard link too). An inode linked
 *     under names of different classes (the official busybox image links
 *     every applet to /bin/busybox) is a multi-call binary;
 *  2. else its file name, when it is a known program's name;
 *  3. else its content: when its size equals a known program's, both are
 *     hashed (sha256, each inode once) and compared. Sizes first, so the
 *     common case (an unrelated binary) costs no read at all.
 * A multi-call binary (busybox, toybox) is the class of its applet: argv[0]
 * when it runs through a link or a re-exec of /proc/self/exe, argv[1] when
 * run by its own name (`busybox nc ...`).
 */
export interface ExeIdentity {
  /** `dev:ino` of the executable. */
  readonly exeId: string;
  readonly exeClass?: ProgramClass;
  /** The known program it is, or the applet of a multi-call binary. */
  readonly program?: string;
  /** Set when the executable is a multi-call binary (program is then its applet). */
  readonly multicall?: boolean;
}

export interface ExeClassifier {
  classify(pid: number, exe: string, args: readonly string[], containerId: string | undefined): ExeIdentity | undefined;
}

export interface ExeClassifierConfig {
  readonly procRoot: string;
  readonly hostRoot: string;
}

/** Where images and distributions keep the programs of PROGRAM_CLASSES. */
const PROGRAM_DIRS = ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin'];
const MAX_CACHED_INODES = 16_384;
const MAX_CACHED_ROOTS = 1024;
/** Nothing that big is a shell, interpreter or netcat: never hashed. */
const MAX_HASHED_BYTES = 64 << 20;
const MAX_SYMLINK_HOPS = 8;
/** The name a multi-call binary found only through its hard links goes by (appletOf then reads argv[0]). */
const GENERIC_MULTICALL = 'busybox';

/** One known program file of a root (host or container image). */
interface KnownProgram {
  name: string;
  /**
   * The path inside its root. The root is joined at hash time: a container's
   * root is reached through the pid being classified, since the pid that
   * built the index may be gone by then (a short-lived `cp`).
   */
  readonly path: string;
  readonly id: string;
  readonly size: number;
  /** A multi-call binary: by name, or linked under names of different classes. */
  multicall: boolean;
}

interface KnownIndex {
  readonly byId: ReadonlyMap<string, KnownProgram>;
  readonly bySize: ReadonlyMap<number, readonly KnownProgram[]>;
}

/** What an inode is: a named program, a multi-call binary, or neither (''). */
type Binary = { readonly name: string; readonly multicall: boolean } | '';

export function createExeClassifier(cfg: ExeClassifierConfig): ExeClassifier {
  const binaries = new Map<string, Binary>();
  const hashes = new Map<string, string | null>();
  const containerIndexes = new Map<string, KnownIndex>();
  let hostIndex: KnownIndex | undefined;
  const knownNames = [...PROGRAM_CLASSES.keys(), ...MULTICALL_BINARIES];

  function indexOf(root: string): KnownIndex {
    const byId = new Map<string, KnownProgram>();
    const bySize = new Map<number, KnownProgram[]>();
    for (const dir of PROGRAM_DIRS) {
      // One listing per directory instead of a failed lstat per absent name: most known
      // names are absent from an image, and a cold scan indexes every container's.
      const present = listDir(`${root}${dir}`);
      if (!present) continue;
      for (const name of knownNames) {
        if (!present.has(name)) continue;
        const found = statInRoot(root, `${dir}/${name}`);
        if (!found?.stats.isFile()) continue;
        const id = idOf(found.stats);
        // The target's name, not the link's: /bin/sh -> dash is dash; /bin/sh -> busybox is busybox.
        const targetName = basename(found.path);
        const knownName = isKnownName(targetName) ? targetName : name;
        const seen = byId.get(id);
        if (seen) {
          // /bin and /usr/bin merged, or a hard link: one program unless the names disagree on what it is.
          if (!seen.multicall && classOfName(seen.name) !== classOfName(knownName)) {
            // Changed in place: bySize holds the same entry.
            seen.name = MULTICALL_BINARIES.has(knownName) ? knownName : GENERIC_MULTICALL;
            seen.multicall = true;
          }
          continue;
        }
        const known: KnownProgram = {
          name: knownName,
          path: found.path,
          id,
          size: found.stats.size,
          multicall: MULTICALL_BINARIES.has(knownName),
        };
        byId.set(id, known);
        const same = bySize.get(known.size);
        if (same) same.push(known);
        else bySize.set(known.size, [known]);
      }
    }
    return { byId, bySize };
  }

  function isKnownName(name: string): boolean {
    return classOfName(name) !== undefined || MULTICALL_BINARIES.has(name);
  }

  function containerIndex(pid: number, containerId: string): KnownIndex {
    let index = containerIndexes.get(containerId);
    if (!index) {
      if (containerIndexes.size >= MAX_CACHED_ROOTS) containerIndexes.delete(containerIndexes.keys().next().value!);
      index = indexOf(`${cfg.procRoot}/${pid}/root`);
      // A container whose root vanished under us reads as empty: not cached, tried again next time.
      if (index.byId.size > 0) containerIndexes.set(containerId, index);
    }
    return index;
  }

  /** null: never hashed (too big); undefined: unreadable now (gone), not cached. */
  function hashOf(id: string, path: string, size: number): string | null | undefined {
    let h = hashes.get(id);
    if (h !== undefined) return h;
    try {
      h = size > MAX_HASHED_BYTES ? null : createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      return undefined; // gone or unreadable: not cached, another process of that inode may do
    }
    if (hashes.size >= MAX_CACHED_INODES) hashes.clear();
    hashes.set(id, h);
    return h;
  }

  /** undefined: undecided for now (the executable could not be read), so nothing is cached. */
  function identify(pid: number, exe: string, stats: Stats, id: string, containerId: string | undefined): Binary | undefined {
    const path = exe.replace(/ \(deleted\)$/, '');
    const name = basename(path);
    // A known name in a program directory is the very file an index lists under
    // that name (exe is the resolved path): no index needed, and a cold scan
    // of busybox- or distro-based containers builds none.
    if (stats.nlink === 1 && isKnownName(name) && path === exe && PROGRAM_DIRS.includes(path.slice(0, path.length - name.length - 1))) {
      return { name, multicall: MULTICALL_BINARIES.has(name) };
    }
    hostIndex ??= indexOf(cfg.hostRoot);
    const indexes: { index: KnownIndex; root: string }[] = [{ index: hostIndex, root: cfg.hostRoot }];
    if (containerId !== undefined) indexes.unshift({ index: containerIndex(pid, containerId), root: `${cfg.procRoot}/${pid}/root` });
    for (const { index } of indexes) {
      const known = index.byId.get(id);
      if (known) return { name: known.name, multicall: known.multicall };
    }
    if (isKnownName(name)) return { name, multicall: MULTICALL_BINARIES.has(name) };
    const exePath = `${cfg.procRoot}/${pid}/exe`;
    for (const { index, root } of indexes) {
      for (const known of index.bySize.get(stats.size) ?? []) {
        const mine = hashOf(id, exePath, stats.size);
        if (mine === undefined) return undefined;
        if (mine === null) return '';
        const theirs = hashOf(known.id, `${root}${known.path}`, known.size);
        // Unreadable now (the process left, the image changed): undecided, not "a different program".
        if (theirs === undefined) return undefined;
        if (theirs === mine) return { name: known.name, multicall: known.multicall };
      }
    }
    return '';
  }

  return {
    classify(pid, exe, args, containerId) {
      let stats: Stats | undefined;
      try {
        stats = statSync(`${cfg.procRoot}/${pid}/exe`, { throwIfNoEntry: false });
      } catch {
        return undefined; // gone, or a kernel thread: churn
      }
      if (!stats) return undefined;
      const id = idOf(stats);
      let binary = binaries.get(id);
      if (binary === undefined) {
        binary = identify(pid, exe, stats, id, containerId);
        // A process gone between stat and read says nothing about its inode:
        // caching '' then would hide a renamed shell for good.
        if (binary === undefined) return { exeId: id };
        if (binaries.size >= MAX_CACHED_INODES) binaries.clear();
        binaries.set(id, binary);
      }
      if (binary === '') return { exeId: id };
      const program = binary.multicall ? appletOf(binary.name, args) : binary.name;
      if (program === undefined) return { exeId: id, multicall: binary.multicall || undefined };
      const exeClass = classOfName(program);
      return {
        exeId: id,
        program,
        ...(exeClass ? { exeClass } : {}),
        ...(binary.multicall ? { multicall: true } : {}),
      };
    },
  };
}

/**
 * The applet a multi-call binary runs: argv[0]'s base name (`nc` through a
 * link or a /proc/self/exe re-exec), or argv[1] when argv[0] names the binary
 * itself (`busybox nc`). undefined for `busybox --help` and the like.
 */
export function appletOf(binary: string, args: readonly string[]): string | undefined {
  const first = basename(args[0] ?? '').replace(/^-/, ''); // a login shell's argv[0] is `-sh`
  const own = first === binary || MULTICALL_BINARIES.has(first) || first === 'exe';
  const applet = own ? basename(args[1] ?? '') : first;
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(applet) ? applet : undefined;
}

function idOf(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** The names in a directory; undefined when it is absent or unreadable. */
function listDir(path: string): ReadonlySet<string> | undefined {
  try {
    return new Set(readdirSync(path));
  } catch {
    return undefined;
  }
}

/**
 * stat of `path` as seen from inside `root`: symlinks are followed by hand,
 * because an absolute link (/bin/sh -> /bin/bash) read through
 * /proc/<pid>/root would otherwise resolve against the agent's own root.
 * Returns the resolved path (relative to root) with its stats.
 */
function statInRoot(root: string, path: string): { path: string; stats: Stats } | undefined {
  let current = path;
  for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
    let st: Stats | undefined;
    try {
      st = lstatSync(`${root}${current}`, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
    if (!st) return undefined;
    if (!st.isSymbolicLink()) return { path: current, stats: st };
    let target: string;
    try {
      target = readlinkSync(`${root}${current}`);
    } catch {
      return undefined;
    }
    current = target.startsWith('/') ? target : `${current.slice(0, current.lastIndexOf('/'))}/${target}`;
  }
  return undefined;
}
