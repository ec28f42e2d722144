/**
 * Runs the harness's runPod (a synchronous `docker run -d`) in a forked
 * child process (a worker thread would not get tsx's loader hooks on Node 20).
 * In the benchmark's own process it would block the event loop for the whole
 * container start, while the reverse shell inside may already connect: the
 * listener's accept and the agent's alert would then both be timestamped
 * when the loop wakes, hiding the latency being measured.
 */
import { runPod, type PodSpec } from '../../test/integration/harness/pods.js';

export interface PodRequest {
  readonly seq: number;
  readonly spec: PodSpec;
}

export type PodReply =
  | { readonly seq: number; readonly ok: true; readonly id: string; readonly pod: string; readonly startMs: number }
  | { readonly seq: number; readonly ok: false; readonly error: string };

const send = process.send?.bind(process);
if (!send) throw new Error('pod-worker must be forked with an IPC channel');
process.on('message', (req: PodRequest) => {
  const t0 = performance.now();
  try {
    const pod = runPod(req.spec);
    send({ seq: req.seq, ok: true, id: pod.id, pod: pod.pod, startMs: performance.now() - t0 } satisfies PodReply);
  } catch (err) {
    send({ seq: req.seq, ok: false, error: (err as Error).message } satisfies PodReply);
  }
});
