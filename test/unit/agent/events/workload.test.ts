import { describe, expect, it } from 'vitest';
import { workloadOf } from '../../../../agent/events/workload.js';
import { splitImage } from '../../../../agent/events/enrich.js';

describe('workloadOf', () => {
  it.each([
    ['web-7d4b9c8f6d-x2x9k', { 'pod-template-hash': '7d4b9c8f6d', app: 'web' }, { kind: 'Deployment', name: 'web' }],
    ['my-app-v2-5f6c7b-abcde', { 'pod-template-hash': '5f6c7b' }, { kind: 'Deployment', name: 'my-app-v2' }],
    ['db-0', { 'statefulset.kubernetes.io/pod-name': 'db-0' }, { kind: 'StatefulSet', name: 'db' }],
    ['fluentd-4xk2p', { 'controller-revision-hash': '6b7', 'pod-template-generation': '3' }, { kind: 'DaemonSet', name: 'fluentd' }],
    ['migrate-8fj2k', { 'job-name': 'migrate' }, { kind: 'Job', name: 'migrate' }],
    ['backup-28391040-x7z2q', { 'batch.kubernetes.io/job-name': 'backup-28391040' }, { kind: 'CronJob', name: 'backup' }],
    ['debug', {}, { kind: 'Pod', name: 'debug' }],
  ])('%s', (pod, labels, expected) => {
    expect(workloadOf(pod, labels)).toEqual(expected);
  });
});

describe('splitImage', () => {
  it.each([
    ['nginx:1.25', { repository: 'nginx', tag: '1.25' }],
    ['registry:5000/team/app', { repository: 'registry:5000/team/app' }],
    ['registry:5000/team/app:v1@sha256:abc', { repository: 'registry:5000/team/app', tag: 'v1' }],
    ['vigil-test/busybox:latest', { repository: 'vigil-test/busybox', tag: 'latest' }],
  ])('%s', (image, expected) => {
    expect(splitImage(image)).toEqual(expected);
  });
});

describe('lifecycleOnFirstSight', () => {
  const c = (startTimeSec?: number) => ({ id: 'x', runtime: 'docker' as const, cgroupPath: '/docker/x', labels: {}, startTimeSec });
  it('calls a container created well before the agent started running, else started', async () => {
    const { lifecycleOnFirstSight } = await import('../../../../agent/events/container-events.js');
    expect(lifecycleOnFirstSight(c(900), 1_000_000)).toBe('running');
    expect(lifecycleOnFirstSight(c(994), 1_000_000)).toBe('running');
    expect(lifecycleOnFirstSight(c(996), 1_000_000)).toBe('started'); // within the skew margin
    expect(lifecycleOnFirstSight(c(undefined), 1_000_000)).toBe('started');
  });
});
