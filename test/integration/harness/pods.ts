import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { docker } from '../docker-env.js';

export interface Pod {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly podUid: string;
  ip(): string;
}

export interface PodSpec {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly extraArgs?: readonly string[];
}

const started = new Set<string>();

/**
 * Starts a container the way the kubelet lays one out with the Docker
 * runtime: under /kubepods/besteffort/pod<uid>, named
 * k8s_<container>_<pod>_<namespace>_<uid>_0, with the io.kubernetes.* labels
 * and the pod's own labels copied onto the container.
 */
export function runPod(spec: PodSpec): Pod {
  const podUid = randomUUID();
  const name = `k8s_${spec.container}_${spec.pod}_${spec.namespace}_${podUid}_0`;
  const labels: Record<string, string> = {
    'io.kubernetes.pod.name': spec.pod,
    'io.kubernetes.pod.namespace': spec.namespace,
    'io.kubernetes.pod.uid': podUid,
    'io.kubernetes.container.name': spec.container,
    ...spec.labels,
  };
  const args = ['run', '-d', '--name', name, '--cgroup-parent', `/kubepods/besteffort/pod${podUid}`];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  args.push(...(spec.extraArgs ?? []), spec.image, ...spec.command);
  const id = docker(...args);
  started.add(id);
  return {
    id,
    name,
    podUid,
    namespace: spec.namespace,
    pod: spec.pod,
    container: spec.container,
    ip: () => docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', id),
  };
}

export function removePod(pod: Pod | string): void {
  const id = typeof pod === 'string' ? pod : pod.id;
  try {
    docker('rm', '-f', id);
  } catch {
    // already gone
  }
  started.delete(id);
}

export function removeAllPods(): void {
  for (const id of [...started]) removePod(id);
}

/** The host's address on the default Docker bridge: reachable from every test container. */
export function bridgeGateway(): string {
  // Not os.networkInterfaces(): libuv leaves out interfaces without carrier,
  // and docker0 has none while no container runs.
  const out = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' });
  const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
  if (!m) throw new Error('no docker0 IPv4 address: is the Docker engine running with its default bridge?');
  return m[1]!;
}
