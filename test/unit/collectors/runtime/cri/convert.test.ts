import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerDetails, podDetails, sandboxDetails, verboseInfo } from '../../../../../collectors/runtime/cri/convert.js';
import { detectCriSocket } from '../../../../../collectors/runtime/cri/detect.js';
import type { Container, PodSandboxStatus } from '../../../../../collectors/runtime/cri/types.js';

// Shaped as @grpc/proto-loader hands containerd 1.6's answers over (see the integration test for the real ones).
const sandbox: PodSandboxStatus = {
  id: 's'.repeat(64),
  metadata: { name: 'web-1', uid: 'u-1', namespace: 'shop', attempt: 0 },
  state: 'SANDBOX_READY',
  created_at: '1796478475731801253',
  labels: { app: 'web' },
  annotations: { 'k/a': 'b' },
  network: { ip: '10.0.0.5', additional_ips: [{ ip: 'fd00::5' }] },
  linux: { namespaces: { options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
};
const container: Container = {
  id: 'c'.repeat(64),
  pod_sandbox_id: 's'.repeat(64),
  metadata: { name: 'app', attempt: 0 },
  image: { image: 'docker.io/library/nginx:1.27' },
  image_ref: `docker.io/library/nginx@sha256:${'ab'.repeat(32)}`,
  state: 'CONTAINER_RUNNING',
  created_at: '1796478475848491070',
  labels: { 'io.kubernetes.container.name': 'app' },
  annotations: {},
};

describe('CRI messages to container details', () => {
  it('reads the pod from the sandbox status: IPs, host network, CNI result', () => {
    const info = { info: JSON.stringify({ cniResult: { Interfaces: { eth0: { IPConfigs: [{ IP: '10.0.0.5' }] } } } }) };
    expect(podDetails(sandbox, info)).toEqual({
      sandboxId: 's'.repeat(64),
      name: 'web-1',
      namespace: 'shop',
      uid: 'u-1',
      labels: { app: 'web' },
      annotations: { 'k/a': 'b' },
      ips: ['10.0.0.5', 'fd00::5'],
      hostNetwork: false,
      cniJson: '{"Interfaces":{"eth0":{"IPConfigs":[{"IP":"10.0.0.5"}]}}}',
    });
    const host = podDetails({ ...sandbox, network: { ip: '', additional_ips: [] }, linux: { namespaces: { options: { network: 'NODE', pid: 'POD', ipc: 'POD' } } } });
    expect(host).toMatchObject({ ips: [], hostNetwork: true });
    expect(podDetails({ ...sandbox, metadata: null })).toBeUndefined();
  });

  it('reads privileged and the pid from the verbose info of containerd and CRI-O, and tolerates junk', () => {
    expect(verboseInfo({ info: JSON.stringify({ pid: 42, sandboxID: 'x', config: { linux: { security_context: { privileged: true } } } }) })).toEqual({ privileged: true, pid: 42, sandboxId: 'x' });
    expect(verboseInfo({ info: JSON.stringify({ pid: 7, privileged: false }) })).toEqual({ privileged: false, pid: 7 });
    expect(verboseInfo({ info: '{not json' })).toEqual({});
    expect(verboseInfo(undefined)).toEqual({});
  });

  it('builds the container: name, image, digest, times, pod', () => {
    const status = {
      status: {
        id: container.id,
        metadata: container.metadata,
        state: container.state,
        created_at: container.created_at,
        started_at: '1796478475933762541',
        image: container.image,
        image_ref: container.image_ref,
        labels: {},
        annotations: {},
        mounts: [
          { container_path: '/host/proc', host_path: '/proc', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' as const },
          { container_path: '/data', host_path: '/srv/data', readonly: false, propagation: 'PROPAGATION_PRIVATE' as const },
        ],
      },
      info: { info: '{"pid":99}' },
    };
    const d = containerDetails(container, status, podDetails(sandbox));
    expect(d).toMatchObject({
      name: 'app',
      image: 'docker.io/library/nginx:1.27',
      imageDigest: `sha256:${'ab'.repeat(32)}`,
      privileged: false,
      pid: 99,
      pod: { name: 'web-1', namespace: 'shop', container: 'app', ips: ['10.0.0.5', 'fd00::5'] },
    });
    // As Falco's container plugin keeps CRI mounts: no mode, rdwr = !readonly, the enum as rslave/private/rshared.
    expect(d.mounts).toEqual([
      { source: '/proc', dest: '/host/proc', mode: '', rdwr: false, propagation: 'rslave' },
      { source: '/srv/data', dest: '/data', mode: '', rdwr: true, propagation: 'private' },
    ]);
    expect(d.createdSec).toBeCloseTo(1796478475.848, 2);
    expect(d.startedSec).toBeCloseTo(1796478475.933, 2);
    expect(sandboxDetails(podDetails(sandbox)!, sandbox.created_at)).toMatchObject({ name: 'POD', pod: { container: 'POD', name: 'web-1' } });
  });
});

describe('detectCriSocket', () => {
  it('picks the first candidate that is a unix socket under the host root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-cri-detect-'));
    try {
      const candidates = [
        { runtime: 'containerd', path: '/run/containerd/containerd.sock' },
        { runtime: 'cri-o', path: '/run/crio/crio.sock' },
      ];
      expect(detectCriSocket(root, candidates)).toBeUndefined();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(root, 'run', 'containerd'), { recursive: true });
      writeFileSync(join(root, 'run', 'containerd', 'containerd.sock'), 'not a socket');
      mkdirSync(join(root, 'run', 'crio'), { recursive: true });
      const server = createServer();
      await new Promise<void>((r) => server.listen(join(root, 'run', 'crio', 'crio.sock'), r));
      expect(detectCriSocket(root, candidates)).toEqual({ runtime: 'cri-o', path: join(root, 'run', 'crio', 'crio.sock') });
      await new Promise<void>((r) => server.close(() => r()));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
