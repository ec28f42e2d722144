import { describe, expect, it } from 'vitest';
import { resolveWorkload, type OwnerBook } from '../../../../collectors/kube/index.js';

const book = (rs: Record<string, string>, jobs: Record<string, string>, knows = true): OwnerBook => ({
  knows: () => knows,
  ownerOf: (kind, ns, name) => (kind === 'ReplicaSet' ? rs : jobs)[`${ns}/${name}`],
});

describe('resolveWorkload', () => {
  it('follows ReplicaSet -> Deployment and Job -> CronJob through the owner book', () => {
    const b = book({ 'shop/web-abc': 'web' }, { 'ops/report-1': 'report' });
    expect(resolveWorkload('shop', 'web-abc-x', {}, { kind: 'ReplicaSet', name: 'web-abc' }, b)).toEqual({ kind: 'Deployment', name: 'web' });
    expect(resolveWorkload('shop', 'lone-x', {}, { kind: 'ReplicaSet', name: 'lone' }, b)).toEqual({ kind: 'ReplicaSet', name: 'lone' });
    expect(resolveWorkload('ops', 'report-1-z', {}, { kind: 'Job', name: 'report-1' }, b)).toEqual({ kind: 'CronJob', name: 'report' });
    expect(resolveWorkload('ops', 'once-z', {}, { kind: 'Job', name: 'once' }, b)).toEqual({ kind: 'Job', name: 'once' });
  });

  it('takes StatefulSet, DaemonSet and other controllers as they are, and a bare pod as a Pod', () => {
    expect(resolveWorkload('db', 'pg-0', {}, { kind: 'StatefulSet', name: 'pg' }, undefined)).toEqual({ kind: 'StatefulSet', name: 'pg' });
    expect(resolveWorkload('sys', 'agent-q', {}, { kind: 'DaemonSet', name: 'agent' }, undefined)).toEqual({ kind: 'DaemonSet', name: 'agent' });
    expect(resolveWorkload('x', 'debug', {}, undefined, undefined)).toEqual({ kind: 'Pod', name: 'debug' });
  });

  it('without ReplicaSet access, derives the Deployment from the pod-template-hash the controller appended', () => {
    const none = book({}, {}, false);
    expect(resolveWorkload('shop', 'web-6f7d-x', { 'pod-template-hash': '6f7d' }, { kind: 'ReplicaSet', name: 'web-6f7d' }, none)).toEqual({ kind: 'Deployment', name: 'web' });
    expect(resolveWorkload('shop', 'rs-x', { 'pod-template-hash': 'zz' }, { kind: 'ReplicaSet', name: 'plain-rs' }, none)).toEqual({ kind: 'ReplicaSet', name: 'plain-rs' });
  });
});
