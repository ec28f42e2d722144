/**
 * The agent side of the exec benchmark, in its own process so its CPU is
 * measured apart from the spawner: runs an exec watcher and records what it
 * saw of each process. Driven over the IPC channel by run.ts.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createExecWatcher } from '../../collectors/exec/index.js';
import { hostExecWatcherConfig } from './watcher-config.js';

export interface SeenExec {
  readonly pid: number;
  readonly vpid: number;
  readonly args: readonly string[];
  readonly containerId?: string;
  readonly partial: boolean;
}

export type ChildRequest = { type: 'cpu-start' } | { type: 'cpu-stop' } | { type: 'report' };
export type ChildReply =
  | { type: 'ready'; mode: 'netlink' | 'poll' }
  | { type: 'cpu'; userUs: number; systemUs: number; wallMs: number }
  | { type: 'report'; execs: SeenExec[]; errors: number; metrics: string };

const mode = process.argv[2] as 'netlink' | 'poll';
const registry = new Registry();
let errors = 0;
const w = createExecWatcher({ log: pino({ level: 'warn' }), registry, errors: { report: () => void errors++ } }, hostExecWatcherConfig(mode));
// Keep only what the report needs; the full ProcessInfo is built either way.
const execs: SeenExec[] = [];
w.onEvent((e) => {
  if (e.kind !== 'exec') return;
  const p = e.process;
  execs.push({ pid: e.pid, vpid: p.vpid, args: p.args, partial: p.partial === true, ...(p.containerId ? { containerId: p.containerId } : {}) });
});

let cpu0 = process.cpuUsage();
let wall0 = performance.now();
const send = (m: ChildReply): void => void process.send!(m);

process.on('message', async (m: ChildRequest) => {
  if (m.type === 'cpu-start') {
    cpu0 = process.cpuUsage();
    wall0 = performance.now();
  } else if (m.type === 'cpu-stop') {
    const d = process.cpuUsage(cpu0);
    send({ type: 'cpu', userUs: d.user, systemUs: d.system, wallMs: performance.now() - wall0 });
  } else if (m.type === 'report') {
    send({ type: 'report', execs, errors, metrics: await registry.metrics() });
    await w.stop();
    process.disconnect();
  }
});

await w.start(new AbortController().signal);
send({ type: 'ready', mode: w.mode });
