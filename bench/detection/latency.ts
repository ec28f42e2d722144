import type { AgentHandle, JsonAlert } from '../../test/integration/harness/agent.js';
import { startTrackedAgent } from './agents.js';
import { listen } from '../../test/integration/harness/listener.js';
import { FAMILIES } from './families.js';
import type { PodStarter } from './pods.js';
import { NAME_PREFIX } from './pods.js';

export type ExecMode = 'netlink' | 'poll';

/** Passed explicitly (they equal the agent's defaults) so the report states what ran. */
export const SCAN_INTERVAL_MS = 2000;
export const EXEC_POLL_INTERVAL_MS = 250;
/** An alert later than this after the connection is a miss. */
export const MISS_AFTER_MS = 10_000;
const CONNECT_TIMEOUT_MS = 30_000;

export interface Sample {
  readonly family: string;
  readonly round: number;
  /** alert read on the agent's stdout minus the listener's accept, ms; undefined = miss. */
  readonly latencyMs?: number;
  /** `docker run -d` wall time, not counted in the latency. */
  readonly dockerStartMs?: number;
  /** Setup failure (pod did not start or never connected): neither a hit nor a miss. */
  readonly setupError?: string;
  /** Fields of the alert that should name the pod's process. */
  readonly procName?: string;
  readonly podName?: string;
  readonly connectedAtMs?: number;
  /** For a miss: a Reverse Shell alert for the pod that came after all (found at the end of the mode), ms after the connection. */
  lateMs?: number;
  /** For a miss: other rules that did alert for the pod. */
  otherRules?: string[];
  /** For a miss: a Reverse Shell alert for this connection (same fd.rport) that did not name the pod. */
  unattributed?: { readonly ms: number; readonly pod: string; readonly containerId: string };
}

export interface ModeLatency {
  readonly mode: ExecMode;
  readonly agentArgs: readonly string[];
  readonly samples: readonly Sample[];
  readonly agentExit: number | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function oneRun(agent: AgentHandle, pods: PodStarter, gateway: string, mode: ExecMode, familyIndex: number, round: number): Promise<Sample> {
  const family = FAMILIES[familyIndex]!;
  const listener = await listen(gateway);
  let podId: string | undefined;
  try {
    const podName = `${NAME_PREFIX}${family.slug}-${mode}-${round}-${process.pid}`;
    let dockerStartMs: number;
    try {
      const pod = await pods.start({
        namespace: 'vigilbench',
        pod: podName,
        container: 'app',
        image: 'vigil-test/tools:latest',
        command: family.command(gateway, listener.port),
        labels: { app: 'vigilbench-det' },
      });
      podId = pod.id;
      dockerStartMs = pod.startMs;
    } catch (err) {
      return { family: family.name, round, setupError: `docker run: ${(err as Error).message.split('\n')[0]}` };
    }
    let connection: { atMs: number };
    try {
      connection = await listener.waitForConnection(CONNECT_TIMEOUT_MS);
    } catch (err) {
      return { family: family.name, round, dockerStartMs, setupError: (err as Error).message };
    }
    const base = { family: family.name, round, dockerStartMs, podName, connectedAtMs: connection.atMs };
    const isOurs = (a: JsonAlert): boolean => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === podName;
    try {
      const remaining = Math.max(1, connection.atMs + MISS_AFTER_MS - Date.now());
      const alert = await agent.waitForAlert(isOurs, remaining);
      const latencyMs = alert.receivedMs - connection.atMs;
      if (latencyMs > MISS_AFTER_MS) return base;
      return { ...base, latencyMs, procName: String(alert.output_fields['proc.name']) };
    } catch {
      // Same connection (fd.rport is this run's listener port) but another or no pod name.
      const other = agent.alerts.find((a) => a.rule === 'Reverse Shell' && a.output_fields['fd.rport'] === listener.port);
      if (!other) return base;
      return {
        ...base,
        unattributed: {
          ms: other.receivedMs - connection.atMs,
          pod: String(other.output_fields['k8s.pod.name']),
          containerId: String(other.output_fields['container.id']),
        },
      };
    }
  } finally {
    await listener.close();
    if (podId) pods.remove(podId);
  }
}

/**
 * One long-lived agent in `mode`; `rounds` rounds, each running every family
 * once in a fresh pod (families one after another, never two at once), so
 * that drift in the shared machine's load spreads over all families.
 */
export async function measureMode(mode: ExecMode, rounds: number, gateway: string, pods: PodStarter, log: (line: string) => void): Promise<ModeLatency> {
  const agentArgs = ['--exec-mode', mode, '--scan-interval-ms', String(SCAN_INTERVAL_MS), '--exec-poll-interval-ms', String(EXEC_POLL_INTERVAL_MS)];
  const { agent } = await startTrackedAgent(agentArgs);
  const samples: Sample[] = [];
  let agentExit: number | null = null;
  try {
    await sleep(3000); // first scans and container discovery out of the way
    for (let round = 0; round < rounds; round++) {
      for (let f = 0; f < FAMILIES.length; f++) {
        const s = await oneRun(agent, pods, gateway, mode, f, round);
        samples.push(s);
        log(
          `[detection] ${mode} round ${round + 1}/${rounds} ${s.family}: ${
            s.setupError
              ? `setup error: ${s.setupError}`
              : s.latencyMs === undefined
                ? `MISS (alerts for the pod: ${
                    agent.alerts
                      .filter((a) => a.output_fields['k8s.pod.name'] === s.podName)
                      .map((a) => a.rule)
                      .join(', ') || 'none'
                  }${s.unattributed ? `; Reverse Shell for the connection without the pod name: ${JSON.stringify(s.unattributed)}` : ''})`
                : `${s.latencyMs} ms`
          } (docker run ${s.dockerStartMs?.toFixed(0) ?? '-'} ms)`,
        );
      }
    }
    await sleep(2000);
    for (const s of samples) {
      if (s.setupError || s.latencyMs !== undefined || !s.podName) continue;
      const forPod = agent.alerts.filter((a) => a.output_fields['k8s.pod.name'] === s.podName);
      const late = forPod.find((a) => a.rule === 'Reverse Shell');
      if (late) s.lateMs = late.receivedMs - (s.connectedAtMs ?? 0);
      s.otherRules = [...new Set(forPod.filter((a) => a.rule !== 'Reverse Shell').map((a) => a.rule))];
    }
  } finally {
    agentExit = await agent.stop();
  }
  return { mode, agentArgs, samples, agentExit };
}
