import type { PodMeta } from '../../collectors/kube/index.js';
import type { ContainerInfo, ProcessInfo } from '../../collectors/model.js';
import type { ContainerFields, K8sFields, ProcAncestor, ProcFields } from '../../rules/event.js';
import { capsToString } from './caps.js';
import { workloadOf } from './workload.js';

/** How far up the process tree proc.aname[N] can see (Falco walks up to the session leader). */
export const MAX_ANCESTORS = 8;

export type ProcessLookup = (pid: number) => ProcessInfo | undefined;

export function procFields(p: ProcessInfo, lookup: ProcessLookup): ProcFields {
  return {
    pid: p.pid,
    vpid: p.vpid,
    ppid: p.ppid,
    name: p.comm,
    exe: p.args[0] ?? p.comm,
    exepath: p.exe || undefined,
    args: p.args.slice(1),
    tty: p.tty,
    cwd: p.cwd,
    uid: p.uid,
    user: p.user,
    gid: p.gid,
    startTimeMs: p.startTimeMs,
    isExeUpperLayer: p.exeUpperLayer,
    // The kernel names a memfd's dentry `memfd:NAME`; exe reads `/memfd:NAME (deleted)`.
    isExeFromMemfd: p.exe ? p.exe.startsWith('/memfd:') : undefined,
    vpgid: p.vpgid,
    capEffective: p.capEffective === undefined ? undefined : capsToString(p.capEffective),
    capPermitted: p.capPermitted === undefined ? undefined : capsToString(p.capPermitted),
    // libsinsp: a loginuid of UINT32_MAX or more (never logged in) is -1.
    loginuid: p.loginuid === undefined ? undefined : p.loginuid >= 0xffffffff ? -1 : p.loginuid,
    env: p.env,
    exeClass: p.exeClass,
    program: p.program,
    ancestors: ancestorsOf(p, lookup),
    partial: p.partial || undefined,
  };
}

function ancestorsOf(p: ProcessInfo, lookup: ProcessLookup): ProcAncestor[] {
  const out: ProcAncestor[] = [];
  const seen = new Set<number>([p.pid]);
  let ppid = p.ppid;
  while (out.length < MAX_ANCESTORS && ppid > 0 && !seen.has(ppid)) {
    seen.add(ppid);
    const parent = lookup(ppid);
    if (!parent) break; // gone or not yet scanned: unknown, so aname[N] prints <NA>
    out.push({ pid: parent.pid, name: parent.comm, exepath: parent.exe || undefined, args: parent.args.slice(1) });
    ppid = parent.ppid;
  }
  return out;
}

/** Splits `registry:5000/team/app:1.2@sha256:…` into repository and tag as Falco does. */
export function splitImage(image: string): { repository: string; tag?: string } {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > slash) return { repository: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { repository: noDigest };
}

/** This node's pods from the Kubernetes API, by uid (undefined without an API). */
export type PodLookup = (uid: string) => PodMeta | undefined;

export function containerFields(c: ContainerInfo): ContainerFields {
  const image = c.image ? splitImage(c.image) : undefined;
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    imageRepository: image?.repository,
    imageTag: image?.tag,
    imageId: c.imageId,
    imageDigest: c.imageDigest,
    runtime: c.runtime,
    privileged: c.privileged,
    labels: c.labels,
    startTimeSec: c.startTimeSec,
    mounts: c.mounts,
  };
}

/**
 * The pod of a container. The runtime (CRI sandbox, or the kubelet's labels
 * on Docker) names it; the API adds labels, annotations and owner
 * references, so the workload comes from the owner chain when there is an
 * API, and is guessed from the pod name and labels only when there is not
 * (`workloadSource` says which).
 */
export function k8sFields(c: ContainerInfo, pods?: PodLookup): K8sFields | undefined {
  const uid = c.k8s?.podUid ?? c.podUid;
  const pod = uid !== undefined ? pods?.(uid) : undefined;
  if (!c.k8s && !pod) return undefined;
  const podName = pod?.name ?? c.k8s!.pod;
  const podLabels = pod?.labels ?? c.k8s?.podLabels ?? podLabelsOf(c.labels);
  const workload = pod ? pod.workload : workloadOf(podName, podLabels);
  const ips = c.k8s?.podIps && c.k8s.podIps.length > 0 ? c.k8s.podIps : (pod?.ips ?? []);
  const annotations = pod?.annotations ?? c.k8s?.podAnnotations;
  const hostNetwork = c.k8s?.hostNetwork ?? pod?.hostNetwork;
  return {
    ns: pod?.namespace ?? c.k8s!.namespace,
    podName,
    podUid: uid,
    podLabels,
    ...(annotations ? { podAnnotations: annotations } : {}),
    ...(ips.length > 0 ? { podIp: ips[0], podIps: ips } : {}),
    ...(hostNetwork !== undefined ? { hostNetwork } : {}),
    ...(c.k8s?.cniJson ? { cniJson: c.k8s.cniJson } : {}),
    containerName: c.k8s?.container,
    workloadKind: workload.kind,
    workloadName: workload.name,
    workloadSource: pod ? 'api' : 'guess',
    ...(pod?.owner ? { ownerKind: pod.owner.kind, ownerName: pod.owner.name } : {}),
  };
}
/**
 * The kubelet (dockershim, cri-dockerd) copies pod labels onto the
 * container next to its own io.kubernetes.* keys; those are the pod's labels.
 */
function podLabelsOf(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!k.startsWith('io.kubernetes.') && !k.startsWith('annotation.')) out[k] = v;
  }
  return out;
}
