import type { ProcDetailNeeds } from '../procfs/reader.js';
import type { Component } from '../../core/component.js';
import type { ProcessInfo } from '../model.js';

/**
 * What the exec watcher needs from the process reader (collectors/procfs):
 * undefined = the pid was gone before anything could be read; a result with
 * `partial: true` = it vanished midway.
 */
export interface ProcessReader {
  read(pid: number): ProcessInfo | undefined;
}

/**
 * The cheap look at a pid the re-reads start with (stat and the fd 0-2
 * links); null when the pid is gone. Optional: without it every re-read is a
 * full read.
 */
export type ProcessProbe = (pid: number) => { readonly startTicks: number; readonly comm: string; readonly stdio: ProcessInfo['stdio'] } | null | undefined;

export type ExecEvent =
  | {
      readonly kind: 'exec';
      readonly pid: number;
      /** ms since the epoch: the kernel's timestamp in netlink mode, detection time in poll mode. */
      readonly timeMs: number;
      /** `partial: true` when the process was gone before it could be fully read. */
      readonly process: ProcessInfo;
    }
  | {
      readonly kind: 'exit';
      readonly pid: number;
      readonly timeMs: number;
      /** Exit code, or 128 + signal when killed (netlink mode only). */
      readonly exitCode?: number;
      /** The terminating signal when a signal killed it (netlink mode only). */
      readonly signal?: number;
    }
  | { readonly kind: 'fork'; readonly pid: number; readonly ppid: number; readonly timeMs: number }
  | {
      readonly kind: 'inspect';
      readonly pid: number;
      readonly timeMs: number;
      /** The re-read process; emitted only when its stdio or program image changed since the previous read. */
      readonly process: ProcessInfo;
    };

export type ExecEventKind = ExecEvent['kind'];

export interface ExecWatcherConfig {
  readonly procRoot: string;
  readonly passwdPath: string;
  readonly maxCmdlineBytes: number;
  /** 'auto' tries netlink and falls back to polling /proc. */
  readonly mode: 'auto' | 'netlink' | 'poll';
  /** Interval of /proc listing in poll mode. */
  readonly pollIntervalMs: number;
  /** When to re-read a new shell or interpreter after its exec, e.g. [50, 250]. */
  readonly reinspectDelaysMs: readonly number[];
  /** The optional reads rules ask for (collectors/procfs/reader.ts). */
  readonly needs?: () => ProcDetailNeeds;
}

export interface ExecWatcher extends Component {
  /** The source in use; 'poll' before start() and after a netlink failure. */
  readonly mode: 'netlink' | 'poll';
  /** Returns a function that removes the listener. */
  onEvent(listener: (e: ExecEvent) => void): () => void;
}
