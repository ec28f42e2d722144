import { describe, expect, it, vi } from 'vitest';
import { createAuditSource, syscallTable } from '../../../../collectors/audit/index.js';
import { decodeRule, encodeSyscallRule } from '../../../../collectors/audit/proto.js';
import type { AuditSyscall } from '../../../../collectors/audit/types.js';
import { memoryLogger, metricValue, testDeps } from '../../../helpers/deps.js';
import { connectRecords, FakeAuditKernel } from './fake-kernel.js';

const x64 = syscallTable('x86_64');
const SELF = 4242;

function setup(mode: 'auto' | 'on' = 'on', kernel = new FakeAuditKernel()) {
  const deps = testDeps();
  const src = createAuditSource(deps, { mode, backlogLimit: 8192, rateLimit: 5000, openSocket: kernel.open, syscalls: x64, excludePid: SELF, statusIntervalMs: 60_000 });
  const events: AuditSyscall[] = [];
  src.onEvent((e) => events.push(e));
  return { kernel, deps, src, events };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const ruleKeys = (k: FakeAuditKernel) => k.rules.map((r) => decodeRule(r)!.key);

describe('createAuditSource against a fake kernel', () => {
  it('unicast: registers, enables, raises the backlog, adds the keyed rule, and undoes exactly that at stop', async () => {
    const { kernel, deps, src, events } = setup();
    src.setPlan({ syscalls: ['connect', 'openat', 'no_such_call'] });
    await src.start(new AbortController().signal);
    expect(src.status()).toMatchObject({ mode: 'unicast', immutable: false, auditedSyscalls: ['connect', 'openat'], unmetSyscalls: ['no_such_call'] });
    expect(kernel.status).toMatchObject({ enabled: 1, pid: process.pid, backlogLimit: 8192, rateLimit: 5000 });
    const rule = decodeRule(kernel.rules[0]!)!;
    expect(rule.key).toBe('vigil');
    expect(rule.syscalls).toEqual([42, 257]);
    expect(rule.fields.find((f) => f.field === 0)).toMatchObject({ op: 0x30000000, value: SELF });

    for (const [type, text] of connectRecords(7, 99)) kernel.emitRecord(type, text);
    await tick();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ syscall: 'connect', pid: 99, success: false, exit: -111, sockaddr: { family: 'inet', addr: '127.0.0.1', port: 80 }, proctitle: ['curl', 'http://127.0.0.1:80'] });
    expect(await metricValue(deps.registry, 'vigil_audit_events_total')).toBe(1);
    expect(await metricValue(deps.registry, 'vigil_audit_source_info', { mode: 'unicast' })).toBe(1);

    await src.stop();
    expect(kernel.rules).toEqual([]);
    expect(kernel.status).toMatchObject({ enabled: 0, pid: 0, backlogLimit: 64, rateLimit: 0 });
    expect(deps.reported).toEqual([]);
    await src.stop();
  });

  it('unicast with an empty plan owns the pid but leaves auditing off until a rule needs it', async () => {
    const { kernel, src } = setup();
    await src.start(new AbortController().signal);
    expect(kernel.status).toMatchObject({ enabled: 0, pid: process.pid });
    src.setPlan({ syscalls: ['connect'] });
    await src.settled();
    expect(kernel.status.enabled).toBe(1);
    await src.stop();
    expect(kernel.status).toMatchObject({ enabled: 0, pid: 0, backlogLimit: 64 });
  });

  it('never emits the agent its own syscalls', async () => {
    const { kernel, src, events } = setup();
    await src.start(new AbortController().signal);
    for (const [type, text] of connectRecords(8, SELF)) kernel.emitRecord(type, text);
    await tick();
    expect(events).toEqual([]);
    await src.stop();
  });

  it('multicast when a daemon owns the pid: joins the group, changes none of its settings', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.enabled = 1;
    kernel.status.pid = process.ppid;
    kernel.status.backlogLimit = 100;
    const other = encodeSyscallRule({ arch: x64.auditArch, syscalls: [59], excludePid: 1, key: 'auditd-exec' });
    kernel.rules.push(other);
    const { src, events } = setup('on', kernel);
    src.setPlan({ syscalls: ['connect'] });
    await src.start(new AbortController().signal);
    expect(src.status().mode).toBe('multicast');
    expect(kernel.sockets.some((s) => s.groups.has(1))).toBe(true);
    expect(kernel.log.filter((l) => !l.endsWith('rule'))).toEqual([]);
    expect(ruleKeys(kernel)).toEqual(['auditd-exec', 'vigil']);
    for (const [type, text] of connectRecords(9, 77)) kernel.emitRecord(type, text);
    await tick();
    expect(events.map((e) => e.pid)).toEqual([77]);
    await src.stop();
    expect(kernel.rules).toEqual([other]);
    expect(kernel.status).toMatchObject({ enabled: 1, pid: process.ppid, backlogLimit: 100 });
  });

  it('a daemon registering between the status read and vigil registering (EEXIST) means multicast', async () => {
    const kernel = new FakeAuditKernel();
    kernel.daemonRegistersFirst = 1234;
    const { src } = setup('on', kernel);
    await src.start(new AbortController().signal);
    expect(src.status().mode).toBe('multicast');
    await src.stop();
    expect(kernel.status.pid).toBe(1234);
    expect(kernel.status.enabled).toBe(0);
  });

  it('takes over from a registered daemon that died (a SIGKILLed agent whose pid the kernel still holds)', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.enabled = 1;
    // No such process: pids stay below 2^22.
    kernel.status.pid = 4_194_400;
    kernel.daemonDead = true;
    const { src } = setup('on', kernel);
    await src.start(new AbortController().signal);
    expect(src.status().mode).toBe('unicast');
    expect(kernel.status.pid).toBe(process.pid);
    await src.stop();
    expect(kernel.status.pid).toBe(0);
  });

  it('removes stale vigil rules at start (an agent that crashed), and only those', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.enabled = 1;
    const stale = encodeSyscallRule({ arch: x64.auditArch, syscalls: [42], excludePid: 31337, key: 'vigil' });
    const admin = encodeSyscallRule({ arch: x64.auditArch, syscalls: [42], excludePid: 1, key: 'admin' });
    kernel.rules.push(stale, admin);
    const { deps, src } = setup('on', kernel);
    await src.start(new AbortController().signal);
    expect(ruleKeys(kernel)).toEqual(['admin']);
    expect(await metricValue(deps.registry, 'vigil_audit_stale_rules_removed_total')).toBe(1);
    await src.stop();
    // The crashed agent had enabled auditing (vigil's rules, no daemon): turned off again.
    expect(kernel.status).toMatchObject({ enabled: 0, pid: 0 });
    expect(ruleKeys(kernel)).toEqual(['admin']);
  });

  it('immutable (-e 2): reported, no rule change attempted, records of the existing rules still used', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.enabled = 2;
    const locked = encodeSyscallRule({ arch: x64.auditArch, syscalls: [42], excludePid: 1, key: 'vigil' });
    kernel.rules.push(locked);
    const { deps, src, events } = setup('on', kernel);
    src.setPlan({ syscalls: ['connect', 'openat'] });
    await src.start(new AbortController().signal);
    const st = src.status();
    expect(st).toMatchObject({ mode: 'unicast', immutable: true, unmetSyscalls: ['connect', 'openat'] });
    expect(st.detail).toContain('locked');
    expect(await metricValue(deps.registry, 'vigil_audit_immutable')).toBe(1);
    expect(kernel.rules).toEqual([locked]);
    for (const [type, text] of connectRecords(10, 66)) kernel.emitRecord(type, text);
    await tick();
    expect(events.map((e) => e.pid)).toEqual([66]);
    await src.stop();
    expect(kernel.rules).toEqual([locked]);
    expect(kernel.status).toMatchObject({ enabled: 2, pid: 0 });
    expect(deps.reported).toEqual([]);
  });

  it('setPlan after start swaps the rule: the new one added before the old one goes', async () => {
    const { kernel, src } = setup();
    src.setPlan({ syscalls: ['connect'] });
    await src.start(new AbortController().signal);
    src.setPlan({ syscalls: ['connect', 'ptrace'] });
    await src.settled();
    expect(kernel.log.filter((l) => l.endsWith('rule'))).toEqual(['add rule', 'add rule', 'del rule']);
    expect(decodeRule(kernel.rules[0]!)!.syscalls).toEqual([42, 101]);
    src.setPlan({ syscalls: [] });
    await src.settled();
    expect(kernel.rules).toEqual([]);
    expect(src.status().auditedSyscalls).toEqual([]);
    await src.stop();
  });

  it('counts the rise of the kernel lost counter and socket overruns, and logs them', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.lost = 5;
    const { log, records } = memoryLogger();
    const deps = testDeps(log);
    const src = createAuditSource(deps, { mode: 'on', backlogLimit: 8192, openSocket: kernel.open, syscalls: x64, statusIntervalMs: 10 });
    await src.start(new AbortController().signal);
    kernel.status.lost = 30;
    kernel.status.backlog = 7;
    await vi.waitFor(async () => expect(await metricValue(deps.registry, 'vigil_audit_lost_total', { reason: 'kernel' })).toBe(25));
    expect(await metricValue(deps.registry, 'vigil_audit_kernel_lost')).toBe(30);
    expect(await metricValue(deps.registry, 'vigil_audit_backlog')).toBe(7);
    expect(await metricValue(deps.registry, 'vigil_audit_backlog_limit')).toBe(8192);
    kernel.sockets.at(-1)!.emit('error', Object.assign(new Error('ENOBUFS'), { code: 'ENOBUFS' }));
    await vi.waitFor(async () => expect(await metricValue(deps.registry, 'vigil_audit_lost_total', { reason: 'socket_overrun' })).toBe(1));
    expect(records.some((r) => String(r.msg).includes('audit records lost (kernel)'))).toBe(true);
    await src.stop();
  });

  it('adds its rule again when someone deleted every rule (augenrules runs auditctl -D)', async () => {
    const kernel = new FakeAuditKernel();
    const deps = testDeps();
    const src = createAuditSource(deps, { mode: 'on', backlogLimit: 8192, openSocket: kernel.open, syscalls: x64, statusIntervalMs: 5 });
    // Names sort one way, numbers another (openat 257 < ptrace 101 by name): the check compares numbers.
    src.setPlan({ syscalls: ['openat', 'connect', 'ptrace'] });
    await src.start(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    expect(await metricValue(deps.registry, 'vigil_audit_rule_readded_total')).toBe(0);
    expect(deps.reported).toEqual([]);
    kernel.rules = [];
    await vi.waitFor(() => expect(ruleKeys(kernel)).toEqual(['vigil']));
    expect(await metricValue(deps.registry, 'vigil_audit_rule_readded_total')).toBe(1);
    await src.stop();
    expect(kernel.rules).toEqual([]);
  });

  it('auto: an agent without audit rights goes off with a reason; on: the start fails', async () => {
    const kernel = new FakeAuditKernel();
    kernel.refuseAll = 1;
    const auto = setup('auto', kernel);
    await auto.src.start(new AbortController().signal);
    expect(auto.src.status().mode).toBe('off');
    expect(auto.src.status().detail).toContain('refused');
    expect(await metricValue(auto.deps.registry, 'vigil_audit_source_info', { mode: 'off' })).toBe(1);
    await auto.src.stop();

    const on = setup('on', kernel);
    await expect(on.src.start(new AbortController().signal)).rejects.toMatchObject({ code: 'VIGIL_ERR_AUDIT_UNAVAILABLE' });
    expect(on.src.status().mode).toBe('failed');
    await on.src.stop();
  });

  it('multicast without CAP_AUDIT_READ fails with a reason', async () => {
    const kernel = new FakeAuditKernel();
    kernel.status.pid = process.ppid;
    kernel.status.enabled = 1;
    kernel.refuseMembership = true;
    const { src } = setup('on', kernel);
    await expect(src.start(new AbortController().signal)).rejects.toThrow(/CAP_AUDIT_READ/);
    expect(kernel.rules).toEqual([]);
  });

  it('off never opens a socket; stop before start is safe', async () => {
    const kernel = new FakeAuditKernel();
    const deps = testDeps();
    const src = createAuditSource(deps, { mode: 'off', backlogLimit: 8192, openSocket: kernel.open });
    await src.stop();
    const src2 = createAuditSource(deps, { mode: 'off', backlogLimit: 8192, openSocket: kernel.open });
    await src2.start(new AbortController().signal);
    expect(src2.status().mode).toBe('off');
    expect(kernel.sockets).toEqual([]);
  });
});
