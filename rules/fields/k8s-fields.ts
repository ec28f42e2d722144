import type { VigilEvent } from '../event.js';
import { keyed, plain } from './helpers.js';
import { labelList } from './container-fields.js';
import type { FieldDef } from './types.js';

/** The pod fields both families share, by their name after `k8s.` / `k8smeta.`. */
const podFields = (prefix: 'k8s' | 'k8smeta'): FieldDef[] => [
  plain(`${prefix}.ns.name`, 'string', 'Kubernetes namespace.', (e) => e.k8s?.ns),
  plain(`${prefix}.pod.name`, 'string', 'Kubernetes pod name.', (e) => e.k8s?.podName),
  plain(`${prefix}.pod.uid`, 'string', 'Kubernetes pod UID.', (e) => e.k8s?.podUid),
  keyed(`${prefix}.pod.label`, 'string', `A pod label: ${prefix}.pod.label[KEY].`, (k) => (e) => e.k8s?.podLabels?.[k]),
  plain(`${prefix}.pod.labels`, 'list', 'All pod labels as KEY:VALUE strings.', (e) => labelList(e.k8s?.podLabels), { derived: true }),
  plain(`${prefix}.pod.ip`, 'string', 'Primary pod IP (absent for host-network pods).', (e) => e.k8s?.podIp),
];

/** The workload name when the API's owner chain says it is of this kind. */
const fromApi =
  (kind: string) =>
  (e: VigilEvent): string | undefined =>
    e.k8s?.workloadSource === 'api' && e.k8s.workloadKind === kind ? e.k8s.workloadName : undefined;

/**
 * Falco's k8s.* fields (the container runtime's view of the pod, as Falco's
 * container plugin gives them) and vigil's k8s.workload.*. The values come
 * from the event (agent/events/enrich.ts fills them from the CRI runtime,
 * the kubelet's labels and the API watch).
 */
export const k8sFields: readonly FieldDef[] = [
  ...podFields('k8s'),
  plain('k8s.pod.cni.json', 'string', 'The CNI result the runtime recorded for the pod sandbox (containerd), as JSON.', (e) => e.k8s?.cniJson),
  keyed('k8s.pod.annotation', 'string', 'A pod annotation: k8s.pod.annotation[KEY].', (k) => (e) => e.k8s?.podAnnotations?.[k], true),
  plain('k8s.pod.host_network', 'bool', "True for a pod in the node's network namespace.", (e) => e.k8s?.hostNetwork, { vigil: true }),
  plain('k8s.container.name', 'string', 'Container name in the pod spec.', (e) => e.k8s?.containerName, { vigil: true }),
  plain('k8s.workload.kind', 'string', 'Owning workload kind (Deployment, DaemonSet, StatefulSet, Job, CronJob, Pod).', (e) => e.k8s?.workloadKind, { vigil: true }),
  plain('k8s.workload.name', 'string', 'Owning workload name.', (e) => e.k8s?.workloadName, { vigil: true }),
  plain('k8s.workload.source', 'string', 'Where the workload came from: api (owner references) or guess (pod name and labels, no API).', (e) => e.k8s?.workloadSource, { vigil: true }),
];

/**
 * The fields of Falco's k8smeta plugin that vigil can answer, so rules
 * written for it load active. The pod fields hold the same values as
 * k8s.pod.* (runtime and API agree on a pod); the owner fields come only
 * from the API's owner references, as in Falco, never from a guess. Fields
 * of objects vigil does not watch (namespace uid and labels, services,
 * deployment labels) are not registered: a rule using them loads disabled
 * with a warning naming the field.
 */
export const k8smetaFields: readonly FieldDef[] = [
  ...podFields('k8smeta'),
  plain('k8smeta.deployment.name', 'string', "Kubernetes Deployment name (from the API's owner references).", fromApi('Deployment')),
  plain('k8smeta.rs.name', 'string', "Kubernetes ReplicaSet name (the pod's owner, from the API).", (e) => (e.k8s?.ownerKind === 'ReplicaSet' ? e.k8s.ownerName : undefined)),
  plain('k8smeta.rc.name', 'string', "Kubernetes ReplicationController name (the pod's owner, from the API).", (e) => (e.k8s?.ownerKind === 'ReplicationController' ? e.k8s.ownerName : undefined)),
];
