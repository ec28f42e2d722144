import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removePod, type PodSpec } from '../../test/integration/harness/pods.js';
import type { PodReply, PodRequest } from './pod-worker.js';

/** Every container this benchmark creates has this in its name (pods: in the pod name part of k8s_<c>_<pod>_...). */
export const NAME_PREFIX = 'vigilbench-det-';

export interface StartedPod {
  readonly id: string;
  readonly pod: string;
  /** Wall ms `docker run -d` took (not part of any latency). */
  readonly startMs: number;
}

function workerPath(): string {
  // Under tsx the sibling is .ts, compiled under dist/ it is .js.
  return fileURLToPath(import.meta.url).replace(/pods\.(ts|js)$/, 'pod-worker.$1');
}

/** Starts kubelet-shaped pods through the harness without blocking this thread. */
export class PodStarter {
  // execArgv carries `--import tsx` when run from source.
  private readonly worker: ChildProcess = fork(workerPath(), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private dead: string | undefined;
  private readonly pending = new Map<number, (r: PodReply) => void>();
  private readonly ids = new Set<string>();
  private seq = 0;

  constructor() {
    this.worker.on('message', (r: PodReply) => {
      this.pending.get(r.seq)?.(r);
      this.pending.delete(r.seq);
    });
    const fail = (why: string): void => {
      this.dead = why;
      for (const done of this.pending.values()) done({ seq: -1, ok: false, error: why });
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(`pod worker: ${err.message}`));
    this.worker.on('exit', (code, signal) => fail(`pod worker exited (${code ?? signal})`));
  }

  async start(spec: PodSpec): Promise<StartedPod> {
    if (!spec.pod.startsWith(NAME_PREFIX)) throw new Error(`bench pod names start with ${NAME_PREFIX}: ${spec.pod}`);
    if (this.dead) throw new Error(this.dead);
    const seq = ++this.seq;
    const reply = await new Promise<PodReply>((resolve) => {
      this.pending.set(seq, resolve);
      this.worker.send({ seq, spec } satisfies PodRequest);
    });
    if (!reply.ok) throw new Error(reply.error);
    this.ids.add(reply.id);
    return { id: reply.id, pod: reply.pod, startMs: reply.startMs };
  }

  remove(id: string): void {
    removePod(id);
    this.ids.delete(id);
  }

  async close(): Promise<void> {
    for (const id of [...this.ids]) this.remove(id);
    if (this.worker.exitCode === null && this.worker.signalCode === null) {
      const exited = new Promise((r) => this.worker.once('exit', r));
      this.worker.kill();
      await exited;
    }
  }
}

/** Removes every container whose name holds NAME_PREFIX (leftovers of an interrupted run included). Synchronous: safe in exit handlers. */
export function removeBenchContainers(): number {
  let ids: string[] = [];
  try {
    ids = execFileSync('docker', ['ps', '-aq', '--filter', `name=${NAME_PREFIX}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return 0;
  }
  if (ids.length > 0) {
    try {
      execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    } catch {
      // some were already gone
    }
  }
  return ids.length;
}
