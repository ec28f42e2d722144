import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../../collectors/model.js';
import type { PodMeta } from '../../../../collectors/kube/index.js';
import { k8sFields } from '../../../../agent/events/index.js';

const ID = 'a'.repeat(64);
const cri: ContainerInfo = {
  id: ID,
  runtime: 'containerd',
  cgroupPath: `/kubepods/besteffort/podu-1/${ID}`,
  podUid: 'u-1',
  name: 'app',
  image: 'r/app:1',
  labels: {},
  k8s: {
    namespace: 'shop',
    pod: 'web-6f7d8c9b5-abcde',
    podUid: 'u-1',
    container: 'app',
    podLabels: { app: 'web', 'pod-template-hash': '6f7d8c9b5' },
    podAnnotations: { a: 'b' },
    podIps: ['10.0.0.5', 'fd00::5'],
    hostNetwork: false,
  },
};
const apiPod: PodMeta = {
  uid: 'u-1',
  namespace: 'shop',
  name: 'web-6f7d8c9b5-abcde',
  labels: { app: 'web', team: 'x' },
  annotations: {},
  ips: ['10.0.0.5'],
  hostNetwork: false,
  owner: { kind: 'ReplicaSet', name: 'web-6f7d8c9b5' },
  workload: { kind: 'Deployment', name: 'storefront' },
};

describe('k8sFields: the runtime names the pod, the API names its workload', () => {
  it('without an API, guesses the workload from the pod name and labels and says so', () => {
    expect(k8sFields(cri)).toMatchObject({
      ns: 'shop',
      podName: 'web-6f7d8c9b5-abcde',
      podUid: 'u-1',
      containerName: 'app',
      podIp: '10.0.0.5',
      podIps: ['10.0.0.5', 'fd00::5'],
      podAnnotations: { a: 'b' },
      hostNetwork: false,
      workloadKind: 'Deployment',
      workloadName: 'web',
      workloadSource: 'guess',
    });
  });

  it('with the API, takes labels and the workload from the owner chain', () => {
    const k = k8sFields(cri, (uid) => (uid === 'u-1' ? apiPod : undefined));
    expect(k).toMatchObject({
      podLabels: { app: 'web', team: 'x' },
      workloadKind: 'Deployment',
      workloadName: 'storefront',
      workloadSource: 'api',
      ownerKind: 'ReplicaSet',
      ownerName: 'web-6f7d8c9b5',
    });
    // The runtime's IPs win: the sandbox knows them as soon as it exists.
    expect(k?.podIps).toEqual(['10.0.0.5', 'fd00::5']);
  });

  it('names a pod from the API alone when the runtime gave only the cgroup path', () => {
    const bare: ContainerInfo = { id: ID, runtime: 'unknown', cgroupPath: cri.cgroupPath, podUid: 'u-1', labels: {} };
    expect(k8sFields(bare, () => apiPod)).toMatchObject({ ns: 'shop', podName: 'web-6f7d8c9b5-abcde', podIp: '10.0.0.5', workloadSource: 'api' });
    expect(k8sFields(bare)).toBeUndefined();
  });
});
