import { describe, expect, it } from 'vitest';
import type { ContainerInfo } from '../../../../collectors/model.js';
import { cidrContains, identityOfContainerInfo, ownIdentity, parseCidr, podIdentity, stableLabels, EdgeConfigError } from '../../../../agent/edges/index.js';

describe('podIdentity', () => {
  it('names a pod by namespace, controller, workload and container', () => {
    const i = podIdentity({
      ns: 'shop',
      podName: 'web-7d4b9c-x2k9q',
      podLabels: { app: 'web', 'pod-template-hash': '7d4b9c' },
      containerName: 'nginx',
      workloadKind: 'Deployment',
      workloadName: 'web',
    });
    expect(i).toEqual({
      id: 'shop/Deployment/web/nginx',
      kind: 'pod',
      ns: 'shop',
      workloadKind: 'Deployment',
      workload: 'web',
      container: 'nginx',
      labels: { app: 'web' },
    });
  });
  it('uses the app label for a bare pod, then app.kubernetes.io/name, then the pod name', () => {
    expect(podIdentity({ ns: 'a', podName: 'p1', podLabels: { app: 'cache' }, containerName: 'c', workloadKind: 'Pod', workloadName: 'p1' }).id).toBe('a/app/cache/c');
    expect(podIdentity({ ns: 'a', podName: 'p1', podLabels: { 'app.kubernetes.io/name': 'db' }, containerName: 'c' }).id).toBe('a/app/db/c');
    expect(podIdentity({ ns: 'a', podName: 'p1', podLabels: {}, workloadKind: 'Pod', workloadName: 'p1' }).id).toBe('a/Pod/p1/-');
  });
});

describe('stableLabels', () => {
  it('prefers the conventional app labels', () => {
    expect(stableLabels({ app: 'web', component: 'fe', tier: 'x', 'pod-template-hash': 'h' })).toEqual({ app: 'web', component: 'fe' });
  });
  it('falls back to every label that does not change per pod or rollout', () => {
    expect(stableLabels({ tier: 'x', 'controller-revision-hash': 'r', 'pod-template-generation': '3', 'statefulset.kubernetes.io/pod-name': 'db-0', role: 'y' })).toEqual({ role: 'y', tier: 'x' });
  });
});

describe('identityOfContainerInfo / ownIdentity', () => {
  const base: ContainerInfo = { id: 'f'.repeat(64), runtime: 'docker', cgroupPath: '/x', labels: {} };
  it('is undefined for a pod sandbox', () => {
    expect(identityOfContainerInfo({ ...base, k8s: { namespace: 'a', pod: 'p', container: 'POD' } })).toBeUndefined();
    expect(identityOfContainerInfo({ ...base, labels: { 'io.cri-containerd.kind': 'sandbox' } })).toBeUndefined();
  });
  it('names a kubelet container by its workload and a plain container by its name', () => {
    const k8s = identityOfContainerInfo({
      ...base,
      labels: { app: 'api', 'pod-template-hash': '5f6c7d', 'io.kubernetes.pod.name': 'api-5f6c7d-q1w2e' },
      k8s: { namespace: 'shop', pod: 'api-5f6c7d-q1w2e', container: 'server' },
    });
    expect(k8s?.id).toBe('shop/Deployment/api/server');
    expect(identityOfContainerInfo({ ...base, name: 'redis' })?.id).toBe('container/redis');
    expect(identityOfContainerInfo(base)?.id).toBe('container/ffffffffffff');
  });
  it('names the host when the event has no container', () => {
    expect(ownIdentity({ type: 'connect', source: 'syscall', timeMs: 0 }).id).toBe('host');
  });
});

describe('cidr', () => {
  it('matches IPv4 and IPv6 prefixes', () => {
    const v4 = parseCidr('10.244.0.0/16');
    expect(cidrContains(v4, '10.244.3.7')).toBe(true);
    expect(cidrContains(v4, '10.245.0.1')).toBe(false);
    expect(cidrContains(v4, 'fd00::1')).toBe(false);
    const v6 = parseCidr('fd00:10:244::/56');
    expect(cidrContains(v6, 'fd00:10:244:0:ff::3')).toBe(true);
    expect(cidrContains(v6, 'fd00:10:245::3')).toBe(false);
    expect(cidrContains(parseCidr('::ffff:0:0/96'), '::ffff:10.0.0.1')).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0'), '8.8.8.8')).toBe(true);
    expect(cidrContains(parseCidr('192.0.2.7'), '192.0.2.7')).toBe(true);
  });
  it('rejects a bad CIDR with a stable code', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(EdgeConfigError);
    expect(() => parseCidr('nope/8')).toThrow(/clusterCidrs/);
    try {
      parseCidr('x');
    } catch (err) {
      expect((err as EdgeConfigError).code).toBe('VIGIL_ERR_EDGE_CONFIG');
    }
  });
});
