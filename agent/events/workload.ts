/**
 * The workload a pod belongs to, derived from what the kubelet puts on the
 * container (pod name and pod labels) so that no API server call is needed
 * on the hot path. Pod-to-pod edges are keyed by workload, not pod, because
 * pods come and go while the Deployment stays.
 *
 * The controllers name pods predictably:
 *   Deployment   <deploy>-<pod-template-hash>-<5 chars>, label pod-template-hash
 *   StatefulSet  <sts>-<ordinal>, label statefulset.kubernetes.io/pod-name
 *   DaemonSet    <ds>-<5 chars>, labels controller-revision-hash + pod-template-generation
 *   Job          label job-name (batch.kubernetes.io/job-name); a CronJob's job is <cronjob>-<minutes>
 * Anything else is a bare Pod named after itself.
 */
export interface Workload {
  readonly kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'Pod';
  readonly name: string;
}

export function workloadOf(podName: string, labels: Readonly<Record<string, string>> = {}): Workload {
  const hash = labels['pod-template-hash'];
  if (hash) {
    const prefix = `-${hash}-`;
    const at = podName.lastIndexOf(prefix);
    if (at > 0) return { kind: 'Deployment', name: podName.slice(0, at) };
    return { kind: 'ReplicaSet', name: stripSuffix(podName) };
  }
  if (labels['statefulset.kubernetes.io/pod-name']) {
    const m = /^(.*)-\d+$/.exec(podName);
    if (m) return { kind: 'StatefulSet', name: m[1]! };
  }
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  if (job) {
    const cron = /^(.*)-\d{8,}$/.exec(job);
    return cron ? { kind: 'CronJob', name: cron[1]! } : { kind: 'Job', name: job };
  }
  if (labels['controller-revision-hash'] && labels['pod-template-generation']) {
    return { kind: 'DaemonSet', name: stripSuffix(podName) };
  }
  return { kind: 'Pod', name: podName };
}

/** Drops the random `-xxxxx` suffix the controllers append. */
function stripSuffix(podName: string): string {
  const m = /^(.*)-[a-z0-9]{5}$/.exec(podName);
  return m ? m[1]! : podName;
}
