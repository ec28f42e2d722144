import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupTreeWatcher } from '../../../../collectors/cgroups/index.js';
import { ID, UID, until } from './helpers.js';

describe('CgroupTreeWatcher', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  function setup(opts: { maxWatches?: number } = {}) {
    const root = mkdtempSync(join(tmpdir(), 'vigil-tw-'));
    const added: string[] = [];
    const removed: string[] = [];
    const errors: unknown[] = [];
    const w = new CgroupTreeWatcher(root, { onAdd: (p) => added.push(p), onRemove: (p) => removed.push(p), onError: (_s, e) => errors.push(e) }, opts);
    cleanups.push(() => {
      w.close();
      rmSync(root, { recursive: true, force: true });
    });
    return { root, w, added, removed, errors };
  }

  it('finds existing containers on the first walk and skips non-containers', () => {
    const { root, w, added } = setup();
    mkdirSync(join(root, 'docker', ID.A), { recursive: true });
    mkdirSync(join(root, 'docker', ID.A, 'nested-child'), { recursive: true });
    mkdirSync(join(root, 'system.slice', 'containerd.service'), { recursive: true });
    mkdirSync(join(root, 'kubepods', 'besteffort', `pod${UID}`, ID.B), { recursive: true });
    w.resync();
    expect(added.sort()).toEqual([`/docker/${ID.A}`, `/kubepods/besteffort/pod${UID}/${ID.B}`].sort());
    expect([...w.known].length).toBe(2);
  });

  it('sees a container created later in a new nested directory, and its removal', async () => {
    const { root, w, added, removed } = setup();
    w.resync();
    // The kubelet creates the pod cgroup, then the runtime the container one.
    mkdirSync(join(root, 'kubepods', 'burstable', `pod${UID}`, ID.C), { recursive: true });
    await until(() => added.includes(`/kubepods/burstable/pod${UID}/${ID.C}`));
    rmSync(join(root, 'kubepods', 'burstable', `pod${UID}`, ID.C), { recursive: true });
    await until(() => removed.includes(`/kubepods/burstable/pod${UID}/${ID.C}`));
    // Removing a whole subtree removes what was under it.
    mkdirSync(join(root, 'docker', ID.D), { recursive: true });
    await until(() => added.includes(`/docker/${ID.D}`));
    rmSync(join(root, 'docker'), { recursive: true });
    await until(() => removed.includes(`/docker/${ID.D}`));
    expect(w.known.size).toBe(0);
  });

  it('resync repairs what inotify could not see (watch limit reached)', () => {
    const { root, w, added, removed, errors } = setup({ maxWatches: 1 });
    w.resync();
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    w.resync();
    mkdirSync(join(root, 'a', 'b', ID.E));
    w.resync();
    expect(added).toEqual([`/a/b/${ID.E}`]);
    expect(errors.length).toBe(1);
    expect((errors[0] as { code: string }).code).toBe('VIGIL_ERR_CGROUP_WATCH');
    rmSync(join(root, 'a'), { recursive: true });
    w.resync();
    expect(removed).toEqual([`/a/b/${ID.E}`]);
  });

  it('closes every watch and reports nothing more after close', async () => {
    const { root, w, added } = setup();
    w.resync();
    mkdirSync(join(root, 'x', 'y'), { recursive: true });
    await until(() => w.watchCount === 3);
    w.close();
    expect(w.watchCount).toBe(0);
    mkdirSync(join(root, 'x', 'y', ID.A));
    await new Promise((r) => setTimeout(r, 50));
    expect(added).toEqual([]);
  });
});
