import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../../../../collectors/cgroups/index.js';
import { copyFixture, V1, V2 } from './helpers.js';

describe('detectCgroupLayout', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('detects v2 from cgroup.controllers', () => {
    expect(detectCgroupLayout(V2)).toEqual({ version: 2, root: V2, watchRoot: V2 });
  });

  it('detects v1 with cpu and cpuacct mounted separately and watches memory', () => {
    const l = detectCgroupLayout(V1);
    expect(l.version).toBe(1);
    if (l.version !== 1) return;
    expect(l.watchRoot).toBe(join(V1, 'memory'));
    expect(l.controllers).toEqual({
      cpu: join(V1, 'cpu'),
      cpuacct: join(V1, 'cpuacct'),
      memory: join(V1, 'memory'),
      blkio: join(V1, 'blkio'),
      pids: join(V1, 'pids'),
    });
  });

  it('detects the combined cpu,cpuacct mount', () => {
    const { dir, cleanup } = copyFixture(V1);
    cleanups.push(cleanup);
    renameSync(join(dir, 'cpuacct'), join(dir, 'cpu,cpuacct'));
    renameSync(join(dir, 'cpu'), join(dir, 'old-cpu'));
    const l = detectCgroupLayout(dir);
    if (l.version !== 1) throw new Error('expected v1');
    expect(l.controllers.cpu).toBe(join(dir, 'cpu,cpuacct'));
    expect(l.controllers.cpuacct).toBe(join(dir, 'cpu,cpuacct'));
  });

  it('falls back to cpu when there is no memory hierarchy', () => {
    const { dir, cleanup } = copyFixture(V1);
    cleanups.push(cleanup);
    renameSync(join(dir, 'memory'), join(dir, 'not-a-controller'));
    const l = detectCgroupLayout(dir);
    expect(l.watchRoot).toBe(join(dir, 'cpu'));
  });

  it('throws a coded error when nothing is mounted', () => {
    const { dir, cleanup } = copyFixture(join(V2, 'init.scope'));
    cleanups.push(cleanup);
    mkdirSync(join(dir, 'unrelated'));
    writeFileSync(join(dir, 'x'), '');
    expect(() => detectCgroupLayout(dir)).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_CGROUP_LAYOUT' }));
    expect(() => detectCgroupLayout(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_CGROUP_LAYOUT' }));
  });
});
