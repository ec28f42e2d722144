import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { outputHealthBoard } from '../../../agent/outputs/health.js';
import { auditSourceCheck, fdHeadroomCheck, outputsCheck, parseNofile, rulesLoadedCheck, runtimeCheck } from '../../../agent/readiness-checks.js';
import { gauge } from '../../../core/metrics.js';
import type { AuditStatus } from '../../../collectors/audit/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('readiness checks', () => {
  it('rules_loaded is ok only with at least one enabled rule', async () => {
    let n: number | undefined;
    const c = rulesLoadedCheck(() => n);
    expect(await c()).toEqual({ ok: false, detail: 'rules not loaded yet' });
    n = 0;
    expect((await c()).ok).toBe(false);
    n = 12;
    expect(await c()).toEqual({ ok: true, detail: '12 rules enabled' });
  });

  it('outputs reads every registered health; a throwing one is not ok; vigil_output_up follows', async () => {
    const registry = new Registry();
    const board = outputHealthBoard(registry);
    let ok = true;
    board.add('json', () => ({ ok, detail: ok ? 'writing' : 'broken: EPIPE' }));
    const remove = board.add('bad', () => {
      throw new Error('boom');
    });
    expect(await outputsCheck(board)()).toEqual({ ok: false, detail: 'bad: health check failed: boom' });
    remove();
    expect(await outputsCheck(board)()).toEqual({ ok: true, detail: 'json: writing' });
    ok = false;
    expect(await outputsCheck(board)()).toEqual({ ok: false, detail: 'json: broken: EPIPE' });
    expect(await registry.metrics()).toContain('vigil_output_up{output="json"} 0');
  });

  it('fd_headroom compares open fds with RLIMIT_NOFILE', async () => {
    const self = mkdtempSync(join(tmpdir(), 'vigil-fdcheck-'));
    dirs.push(self);
    mkdirSync(join(self, 'fd'));
    for (let i = 0; i < 9; i++) writeFileSync(join(self, 'fd', String(i)), '');
    const limits = (n: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${n}                 ${n}                 files\n`;
    writeFileSync(join(self, 'limits'), limits('100'));
    expect(await fdHeadroomCheck({ procSelf: self })()).toEqual({ ok: true, detail: '9 of 100 file descriptors open' });
    writeFileSync(join(self, 'limits'), limits('10'));
    expect(await fdHeadroomCheck({ procSelf: self })()).toEqual({ ok: false, detail: '9 of 10 file descriptors open: over 90 %' });
    expect(parseNofile(limits('unlimited'))).toBe(Infinity);
    expect((await fdHeadroomCheck({ procSelf: join(self, 'nope') })()).ok).toBe(false);
  });

  it('runtime: a socket that exists but does not answer is not ready; an absent one is only a detail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rtcheck-'));
    dirs.push(dir);
    const present = join(dir, 'containerd.sock');
    writeFileSync(present, '');
    const registry = new Registry();
    const up = gauge(registry, { name: 'vigil_runtime_up', help: 'h', labelNames: ['runtime'] });
    const check = runtimeCheck(registry, { containerd: present, docker: join(dir, 'docker.sock') });
    up.set({ runtime: 'containerd' }, 0);
    expect(await check()).toEqual({
      ok: false,
      detail: `containerd: socket ${present} does not answer; docker: no socket at ${join(dir, 'docker.sock')}, containers found from cgroups without names`,
    });
    up.set({ runtime: 'containerd' }, 1);
    expect(await check()).toMatchObject({ ok: true, detail: expect.stringMatching(/^containerd reachable; docker: no socket/) });
    expect(await runtimeCheck(new Registry(), {})()).toEqual({ ok: true, detail: 'no runtime configured' });
  });
});

const status = (over: Partial<AuditStatus>): { status(): AuditStatus } => ({
  status: () => ({ mode: 'unicast', detail: 'd', immutable: false, auditedSyscalls: ['connect'], unmetSyscalls: [], ...over }),
});

describe('auditSourceCheck', () => {
  it('--audit on: ready only while records flow and the plan is met', async () => {
    expect(await auditSourceCheck(status({}), true)()).toEqual({ ok: true, detail: 'd' });
    expect(await auditSourceCheck(status({ mode: 'multicast' }), true)()).toMatchObject({ ok: true });
    expect(await auditSourceCheck(status({ mode: 'failed', detail: 'no CAP_AUDIT_CONTROL' }), true)()).toEqual({ ok: false, detail: 'no CAP_AUDIT_CONTROL' });
    expect(await auditSourceCheck(status({ mode: 'off' }), true)()).toMatchObject({ ok: false });
    expect(await auditSourceCheck(status({ immutable: true, unmetSyscalls: ['openat'] }), true)()).toMatchObject({ ok: false });
    expect(await auditSourceCheck(status({ immutable: true }), true)()).toMatchObject({ ok: true });
  });

  it('--audit auto/off: ready either way, the detail says why', async () => {
    expect(await auditSourceCheck(status({ mode: 'off', detail: 'audit unavailable, off' }), false)()).toEqual({ ok: true, detail: 'audit unavailable, off' });
    expect(await auditSourceCheck(status({ mode: 'failed' }), false)()).toMatchObject({ ok: true });
  });
});
