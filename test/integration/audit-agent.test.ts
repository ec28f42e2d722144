import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AuditState, auditState, auditUnavailable, restoreAudit } from './harness/audit.js';
import { type RawAgent, spawnRawAgent, until } from './harness/raw-agent.js';

/**
 * `--audit off|auto|on` in the built agent: what /readyz and the metrics say,
 * with and without CAP_AUDIT_CONTROL, and the kernel left as found.
 */
const unavailable = auditUnavailable();
/** Root without CAP_AUDIT_CONTROL (and CAP_AUDIT_READ): the kernel refuses every audit request. */
const WITHOUT_AUDIT = ['setpriv', '--bounding-set', '-audit_control,-audit_read', '--inh-caps', '-audit_control,-audit_read', '--'];

describe.skipIf(unavailable)('vigil agent --audit (real kernel)', () => {
  let before: AuditState;
  let agent: RawAgent | undefined;
  beforeAll(() => {
    before = auditState();
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  afterAll(() => {
    if (!before) return;
    restoreAudit(before, ['vigil']);
    expect(auditState()).toEqual(before);
  });

  async function audit(a: RawAgent): Promise<{ status: number; check: { ok: boolean; detail: string } }> {
    const r = await a.readyz();
    return { status: r.status, check: r.body.checks.audit! };
  }

  it('on, as root: ready, receiving unicast; stop leaves the kernel as found', async () => {
    agent = await spawnRawAgent(['--audit', 'on', '--output', 'none']);
    await agent.waitListening();
    const r = await until('ready', async () => ((await agent!.readyz()).status === 200 ? audit(agent!) : undefined), 30_000);
    expect(r.check.ok).toBe(true);
    expect(r.check.detail).toContain('unicast');
    expect(await agent.metric('vigil_audit_source_info', { mode: 'unicast' })).toBe(1);
    expect(auditState().pid).toBe(agent.child.pid);
    expect(await agent.stop()).toBe(0);
    agent = undefined;
    expect(auditState()).toEqual(before);
  });

  it('auto, without CAP_AUDIT_CONTROL: ready, audit off with the reason, kernel untouched', async () => {
    agent = await spawnRawAgent(['--audit', 'auto', '--output', 'none'], { prefix: WITHOUT_AUDIT });
    await agent.waitListening();
    const r = await until('ready', async () => ((await agent!.readyz()).status === 200 ? audit(agent!) : undefined), 30_000);
    expect(r.check).toMatchObject({ ok: true });
    expect(r.check.detail).toMatch(/audit unavailable, off/);
    expect(await agent.metric('vigil_audit_source_info', { mode: 'off' })).toBe(1);
    expect(auditState()).toEqual(before);
  });

  it('on, without CAP_AUDIT_CONTROL: not ready, and /readyz says why', async () => {
    agent = await spawnRawAgent(['--audit', 'on', '--output', 'none'], { prefix: WITHOUT_AUDIT });
    await agent.waitListening();
    const r = await until('the audit check to fail', async () => {
      const x = await audit(agent!);
      return x.check.ok === false && /refused|CAP_AUDIT_CONTROL/.test(x.check.detail) ? x : undefined;
    });
    expect(r.status).toBe(503);
    expect(await agent.metric('vigil_audit_source_info', { mode: 'failed' })).toBe(1);
    expect(auditState()).toEqual(before);
  });
});
