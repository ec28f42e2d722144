import { describe, expect, it } from 'vitest';
import { wireEvents, type ExecEventLike, type HostScannerLike, type NodeSamplesLike, type ScanResult } from '../../../../agent/events/index.js';
import type { ProcessInfo, SocketInfo } from '../../../../collectors/model.js';
import type { NodeSample } from '../../../../collectors/node/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { recordingErrors } from '../../../helpers/deps.js';
import { proc, sock } from './fixtures.js';

const CFG = { hostname: 'node-1', procRoot: '/nonexistent', pendingInspectionMs: 1_000, enrichmentWaitMs: 1_000, fsPredictWindowMs: 60_000 };

/** A scanner, exec watcher and node collector driven by hand. */
function sources() {
  const processes = new Map<number, ProcessInfo>();
  let sockets: SocketInfo[] = [];
  let onScan: (r: ScanResult) => void = () => {};
  let onExec: (e: ExecEventLike) => void = () => {};
  let onSample: (s: NodeSample) => void = () => {};
  const scanner: HostScannerLike = {
    onScan: (l) => {
      onScan = l;
      return () => {
        onScan = () => {};
      };
    },
    scanNow: () => {},
    processes: { get: (pid) => processes.get(pid), upsert: (p) => processes.set(p.pid, p), list: () => processes.values() },
    sockets: { list: () => sockets, byInode: (inode) => sockets.find((s) => s.inode === inode) },
  };
  const node: NodeSamplesLike = {
    onSample: (l) => {
      onSample = l;
      return () => {
        onSample = () => {};
      };
    },
  };
  const scan = (added: ProcessInfo[], removed: ProcessInfo[], socketsNow: SocketInfo[], addedSockets: SocketInfo[] = []) => {
    for (const p of added) processes.set(p.pid, p);
    for (const p of removed) processes.delete(p.pid);
    sockets = socketsNow;
    onScan({ processes: { added, removed, changed: [] }, sockets: { added: addedSockets, removed: [] } });
  };
  return {
    scanner,
    node,
    scan,
    exec: (e: ExecEventLike) => onExec(e),
    sample: (s: NodeSample) => onSample(s),
    execWatcher: {
      onEvent: (l: (e: ExecEventLike) => void) => {
        onExec = l;
        return () => {
          onExec = () => {};
        };
      },
    },
  };
}

const sample: NodeSample = {
  timeMs: 1_000,
  cpu: { perCpu: [], total: { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 } },
  filesystems: [{ device: '/dev/sda1', mountpoint: '/', fstype: 'ext4', sizeBytes: 100, availBytes: 5, freeBytes: 5, files: 10, filesFree: 1, readonly: false, deviceError: false }],
  load: { load1: 2, load5: 1, load15: 1 },
};

describe('wireEvents: the families together', () => {
  it('scans, exec events and node samples become engine events, each family through its wiring', () => {
    const s = sources();
    const events: VigilEvent[] = [];
    const errors = recordingErrors();
    const unwire = wireEvents({ scanner: s.scanner, exec: s.execWatcher, node: s.node }, (e) => events.push(e), errors, CFG);

    const old = proc({ pid: 1, comm: 'init', exe: '/sbin/init' });
    s.scan([old], [], []); // the baseline scan
    const curl = proc({ pid: 20, comm: 'curl', exe: '/usr/bin/curl' });
    s.exec({ kind: 'exec', pid: 20, timeMs: 1, process: curl });
    const conn = sock({ inode: 30, pids: [20] });
    s.scan([], [], [conn], [conn]);
    s.exec({ kind: 'exit', pid: 20, timeMs: 2 });
    s.sample(sample);

    expect(events.map((e) => `${e.type}:${e.proc?.name ?? e.metric?.subject ?? ''}`)).toEqual(['execve:curl', 'connect:curl', 'procexit:curl', 'metric:node', 'metric:filesystem']);
    expect(events[3]?.metric?.values['node.load1']).toBe(2);
    expect(events[4]?.metric?.values['fs.used_ratio']).toBeCloseTo(0.95);
    expect(errors.calls).toEqual([]);

    unwire();
    s.exec({ kind: 'exec', pid: 21, timeMs: 3, process: proc({ pid: 21, comm: 'wget' }) });
    s.sample(sample);
    expect(events).toHaveLength(5);
  });

  it('a listener that throws is reported as events/<stage> and the next record still flows', () => {
    const s = sources();
    const events: VigilEvent[] = [];
    const errors = recordingErrors();
    let fail = true;
    wireEvents(
      { scanner: s.scanner, exec: s.execWatcher },
      (e) => {
        if (fail) throw new Error('sink broke');
        events.push(e);
      },
      errors,
      CFG,
    );
    s.exec({ kind: 'exec', pid: 20, timeMs: 1, process: proc({ pid: 20, comm: 'curl' }) });
    fail = false;
    s.exec({ kind: 'exec', pid: 21, timeMs: 1, process: proc({ pid: 21, comm: 'wget' }) });
    expect(errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['events/exec']);
    expect(events.map((e) => e.proc?.name)).toEqual(['wget']);
  });
});
