import type { RuntimeContainerDetails, RuntimePodDetails } from '../details.js';
import type { ContainerMount } from '../../model.js';
import type { Container, ContainerStatus, Mount, PodSandboxStatus, StringMap } from './types.js';

/** CRI timestamps are int64 nanoseconds (as strings from the loader). */
export function nsToSec(ns: string | number | undefined): number | undefined {
  if (ns === undefined || ns === '' || ns === '0' || ns === 0) return undefined;
  const n = Number(ns);
  return Number.isFinite(n) && n > 0 ? n / 1e9 : undefined;
}

export function podDetails(s: PodSandboxStatus, info?: StringMap): RuntimePodDetails | undefined {
  const m = s.metadata;
  if (!m?.name || !m.namespace) return undefined;
  const ips: string[] = [];
  if (s.network?.ip) ips.push(s.network.ip);
  for (const extra of s.network?.additional_ips ?? []) if (extra.ip) ips.push(extra.ip);
  return {
    sandboxId: s.id,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    labels: copy(s.labels),
    annotations: copy(s.annotations),
    ips,
    hostNetwork: s.linux?.namespaces?.options?.network === 'NODE',
    ...cniOf(info),
  };
}

/** containerd's verbose sandbox info carries the CNI plugin's result; kept as the JSON text Falco prints. */
function cniOf(info: StringMap | undefined): { cniJson?: string } {
  const raw = info?.info;
  if (!raw) return {};
  try {
    const cni = (JSON.parse(raw) as { cniResult?: unknown }).cniResult;
    return cni !== undefined && cni !== null ? { cniJson: JSON.stringify(cni) } : {};
  } catch {
    return {};
  }
}

/** What containerd and CRI-O put in the verbose `info` JSON that the messages lack. */
export function verboseInfo(info: StringMap | undefined): { privileged?: boolean; pid?: number; sandboxId?: string } {
  const raw = info?.info;
  if (!raw) return {};
  try {
    const j = JSON.parse(raw) as {
      pid?: number;
      sandboxID?: string;
      privileged?: boolean;
      config?: { linux?: { security_context?: { privileged?: boolean } } };
    };
    const privileged = j.config?.linux?.security_context?.privileged ?? j.privileged;
    return {
      ...(typeof privileged === 'boolean' ? { privileged } : {}),
      ...(typeof j.pid === 'number' && j.pid > 0 ? { pid: j.pid } : {}),
      ...(typeof j.sandboxID === 'string' ? { sandboxId: j.sandboxID } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * One container as vigil keeps it: the list entry (sandbox id, image), the
 * status (start time, verbose info) and its pod. The image digest is the
 * image_ref when the runtime gives a repo digest, else the image id.
 */
export function containerDetails(c: Container, status: { status: ContainerStatus | null; info: StringMap } | undefined, pod: RuntimePodDetails | undefined): RuntimeContainerDetails {
  const extra = verboseInfo(status?.info);
  const name = c.metadata?.name ?? '';
  const image = c.image?.user_specified_image || c.image?.image || status?.status?.image?.image || '';
  const imageRef = c.image_ref || status?.status?.image_ref || '';
  return {
    name,
    image,
    imageId: imageRef,
    ...(imageRef.includes('@sha256:') || imageRef.startsWith('sha256:') ? { imageDigest: imageRef.slice(imageRef.indexOf('sha256:')) } : {}),
    labels: copy(c.labels),
    annotations: copy(c.annotations),
    privileged: extra.privileged ?? false,
    ...(status?.status?.mounts ? { mounts: criMounts(status.status.mounts) } : {}),
    createdSec: nsToSec(c.created_at),
    startedSec: nsToSec(status?.status?.started_at),
    ...(extra.pid !== undefined ? { pid: extra.pid } : {}),
    ...(pod ? { pod: { ...pod, container: name } } : {}),
  };
}

/** CRI's propagation enum in the words Falco's container plugin uses (go-worker/pkg/container/cri.go). */
const PROPAGATION: Readonly<Record<string, string>> = {
  PROPAGATION_PRIVATE: 'private',
  PROPAGATION_HOST_TO_CONTAINER: 'rslave',
  PROPAGATION_BIDIRECTIONAL: 'rshared',
};

/** CRI mounts as Falco keeps them: host path, container path, no mode, read-write, propagation. */
export function criMounts(mounts: readonly Mount[]): ContainerMount[] {
  return mounts.map((m) => ({
    source: m.host_path ?? '',
    dest: m.container_path ?? '',
    mode: '',
    rdwr: m.readonly !== true,
    propagation: PROPAGATION[m.propagation] ?? 'unknown',
  }));
}

/** The sandbox ("pause") container itself: named POD, as the kubelet and cAdvisor name it. */
export function sandboxDetails(pod: RuntimePodDetails, createdAt: string): RuntimeContainerDetails {
  return {
    name: 'POD',
    image: '',
    imageId: '',
    labels: {},
    privileged: false,
    createdSec: nsToSec(createdAt),
    pod: { ...pod, container: 'POD' },
  };
}

function copy(m: StringMap | undefined): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(m ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}
