import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { containerFromProcCgroup, parseContainerCgroupPath } from '../../../../collectors/cgroups/index.js';
import { ID, UID } from './helpers.js';

describe('parseContainerCgroupPath', () => {
  const cases: Array<[string, string, object | undefined]> = [
    ['docker cgroupfs', `/docker/${ID.A}`, { id: ID.A, runtime: 'docker' }],
    ['docker systemd', `/system.slice/docker-${ID.A}.scope`, { id: ID.A, runtime: 'docker' }],
    ['kubelet cgroupfs besteffort', `/kubepods/besteffort/pod${UID}/${ID.B}`, { id: ID.B, runtime: 'unknown', podUid: UID, qosClass: 'besteffort' }],
    ['kubelet cgroupfs guaranteed', `/kubepods/pod${UID}/${ID.B}`, { id: ID.B, runtime: 'unknown', podUid: UID, qosClass: 'guaranteed' }],
    [
      'containerd systemd burstable',
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${ID.D}.scope`,
      { id: ID.D, runtime: 'containerd', podUid: UID, qosClass: 'burstable' },
    ],
    ['cri-o systemd guaranteed', `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-${ID.E}.scope`, { id: ID.E, runtime: 'cri-o', podUid: UID, qosClass: 'guaranteed' }],
    ['cri-o cgroupfs', `/kubepods/burstable/pod${UID}/crio-${ID.E}`, { id: ID.E, runtime: 'cri-o', podUid: UID, qosClass: 'burstable' }],
    [
      'docker under kubelet systemd',
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice/docker-${ID.C}.scope`,
      { id: ID.C, runtime: 'docker', podUid: UID, qosClass: 'besteffort' },
    ],
    ['podman', `/machine.slice/libpod-${ID.A}.scope`, { id: ID.A, runtime: 'podman' }],
    ['nerdctl', `/system.slice/nerdctl-${ID.A}.scope`, { id: ID.A, runtime: 'containerd' }],
    ['containerd k8s.io namespace', `/k8s.io/${ID.A}`, { id: ID.A, runtime: 'containerd' }],
    ['crio conmon is not a container', `/kubepods.slice/crio-conmon-${ID.E}.scope`, undefined],
    ['pod cgroup is not a container', `/kubepods/besteffort/pod${UID}`, undefined],
    ['short id', `/docker/${'a'.repeat(12)}`, undefined],
    ['uppercase id', `/docker/${'A'.repeat(64)}`, undefined],
    ['root', '/', undefined],
    ['empty', '', undefined],
    ['a systemd service', '/system.slice/containerd.service', undefined],
    ['a sub-cgroup inside a container', `/docker/${ID.A}/init.scope`, undefined],
  ];
  for (const [what, path, want] of cases) {
    it(what, () => {
      expect(parseContainerCgroupPath(path)).toEqual(want);
    });
  }

  it('never throws and only returns 64-hex ids', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseContainerCgroupPath(s);
        if (r) expect(r.id).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});

describe('containerFromProcCgroup', () => {
  it('finds the container in a v1 /proc/<pid>/cgroup', () => {
    const text = `12:pids:/docker/${ID.A}\n11:memory:/docker/${ID.A}\n1:name=systemd:/docker/${ID.A}\n0::/\n`;
    expect(containerFromProcCgroup(text)?.id).toBe(ID.A);
  });
  it('finds the container in a v2 /proc/<pid>/cgroup', () => {
    expect(containerFromProcCgroup(`0::/system.slice/docker-${ID.C}.scope\n`)).toEqual({ id: ID.C, runtime: 'docker' });
  });
  it('returns undefined for a host process and for garbage', () => {
    expect(containerFromProcCgroup('0::/user.slice/user-0.slice/session-1.scope\n')).toBeUndefined();
    expect(containerFromProcCgroup('\u0000garbage\n::\n:')).toBeUndefined();
  });
});
