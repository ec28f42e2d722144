import type { RuntimeKind } from '../model.js';

/**
 * Recognizes a container cgroup from its path, as cAdvisor's container
 * handlers do. Works on a path relative to the hierarchy root (v1 or v2).
 *
 *   /docker/<id>                                         docker, cgroupfs driver
 *   /system.slice/docker-<id>.scope                      docker, systemd driver
 *   /kubepods/<qos>/pod<uid>/<id>                        kubelet, cgroupfs driver
 *   /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice/cri-containerd-<id>.scope
 *   .../crio-<id>.scope                                   CRI-O
 *   .../libpod-<id>.scope                                 podman
 *   .../crio-<id>                                         CRI-O, cgroupfs driver
 *   /system.slice/nerdctl-<id>.scope, /k8s.io/<id>        containerd without the kubelet
 */
export interface ParsedCgroupPath {
  readonly id: string;
  readonly runtime: RuntimeKind;
  readonly podUid?: string;
  readonly qosClass?: 'guaranteed' | 'burstable' | 'besteffort';
}

const ID = '([0-9a-f]{64})';
const SCOPE = new RegExp(`^(docker|cri-containerd|crio|libpod|nerdctl)-${ID}\\.scope$`);
// CRI-O's cgroupfs manager names the cgroup without the systemd suffix.
const CRIO_CGROUPFS = new RegExp(`^crio-${ID}$`);
const BARE = new RegExp(`^${ID}$`);
const POD_CGROUPFS = /^pod([0-9a-f-]{36})$/;
const POD_SYSTEMD = /^kubepods(?:-(besteffort|burstable))?-pod([0-9a-f_]{36})\.slice$/;

const SCOPE_RUNTIME: Record<string, RuntimeKind> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
  nerdctl: 'containerd',
};

export function parseContainerCgroupPath(path: string): ParsedCgroupPath | undefined {
  const parts = path.split('/').filter((p) => p.length > 0);
  const leaf = parts[parts.length - 1];
  if (leaf === undefined) return undefined;

  let id: string | undefined;
  let runtime: RuntimeKind = 'unknown';
  const scope = SCOPE.exec(leaf);
  if (scope) {
    id = scope[2];
    runtime = SCOPE_RUNTIME[scope[1]!] ?? 'unknown';
  } else if (CRIO_CGROUPFS.test(leaf)) {
    id = leaf.slice('crio-'.length);
    runtime = 'cri-o';
  } else if (BARE.test(leaf)) {
    id = leaf;
    // A bare id under /docker is Docker's cgroupfs layout; under kubepods the
    // runtime is not in the path and enrichment decides.
    runtime = parts[0] === 'docker' ? 'docker' : parts[0] === 'k8s.io' ? 'containerd' : 'unknown';
  }
  if (id === undefined) return undefined;

  const pod = podOf(parts);
  return pod ? { id, runtime, ...pod } : { id, runtime };
}

function podOf(parts: readonly string[]): Pick<ParsedCgroupPath, 'podUid' | 'qosClass'> | undefined {
  if (!parts.some((p) => p === 'kubepods' || p === 'kubepods.slice')) return undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const cgroupfs = POD_CGROUPFS.exec(part);
    if (cgroupfs) {
      const qos = parts[i - 1];
      return { podUid: cgroupfs[1]!, qosClass: qos === 'besteffort' || qos === 'burstable' ? qos : 'guaranteed' };
    }
    const systemd = POD_SYSTEMD.exec(part);
    if (systemd) {
      const qos = systemd[1] as 'besteffort' | 'burstable' | undefined;
      return { podUid: systemd[2]!.replace(/_/g, '-'), qosClass: qos ?? 'guaranteed' };
    }
  }
  return undefined;
}

/**
 * The container id of a process from the text of /proc/<pid>/cgroup: the
 * first line (v2 `0::` or any v1 controller) whose path is a container.
 */
export function containerFromProcCgroup(text: string): ParsedCgroupPath | undefined {
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const parsed = parseContainerCgroupPath(line.slice(second + 1));
    if (parsed) return parsed;
  }
  return undefined;
}
