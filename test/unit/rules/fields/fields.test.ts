import { describe, expect, it } from 'vitest';
import { bindField, cidrContains, fieldExists, listFields, parseCidr, parseIp } from '../../../../rules/fields/index.js';
import { rfc3339Nano, timeOfDay } from '../../../../rules/fields/index.js';
import { runRulesFields } from '../../../../rules/cli/fields.js';
import { parseEventLine } from '../../../../rules/cli/test.js';

describe('registry', () => {
  it('knows the fields rules use and says which it lacks', () => {
    for (const f of ['evt.type', 'proc.aname', 'fd.snet', 'container.image.repository', 'k8s.pod.label', 'k8s.workload.kind', 'fs.used_ratio', 'metric.value']) {
      expect(fieldExists(f), f).toBe(true);
    }
    for (const f of ['evt.arg.flags', 'evt.rawarg.res', 'fd.directory', 'evt.is_open_read']) expect(fieldExists(f), f).toBe(true);
    for (const f of ['user.loginname', 'fd.cip.name', 'proc.sname', 'evt.arg.', 'evt.argx']) expect(fieldExists(f), f).toBe(false);
  });
  it('every field has a type and a one-line description', () => {
    const names = new Set<string>();
    for (const f of listFields()) {
      expect(f.desc.length).toBeGreaterThan(5);
      expect(f.desc).not.toContain('\n');
      expect(names.has(f.name)).toBe(false);
      names.add(f.name);
    }
    expect(names.size).toBeGreaterThan(80);
  });
  it('checks field arguments', () => {
    expect(bindField('proc.aname', '2')).not.toBeTypeOf('string');
    expect(bindField('proc.aname', 'x')).toBeTypeOf('string');
    expect(bindField('k8s.pod.label')).toBeTypeOf('string');
    expect(bindField('proc.name', '1')).toBeTypeOf('string');
    expect(bindField('nope')).toBe('unknown field nope');
  });
});

describe('ip and CIDR', () => {
  it('parses v4 and v6, maps ::ffff:a.b.c.d to v4', () => {
    expect(parseIp('10.0.0.1')).toBe(0x0a000001);
    expect(parseIp('::ffff:10.0.0.1')).toBe(0x0a000001);
    expect(parseIp('::1')).toBe(1n);
    expect(parseIp('[2001:db8::1]')).toBe(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'));
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', ':::', '1::2::3', 'x', '']) expect(parseIp(bad), bad).toBeUndefined();
  });
  it('matches networks', () => {
    const n = (c: string, ip: string) => cidrContains(parseCidr(c)!, parseIp(ip)!);
    expect(n('10.0.0.0/8', '10.255.1.1')).toBe(true);
    expect(n('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(n('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(n('192.168.1.128/25', '192.168.1.200')).toBe(true);
    expect(n('192.168.1.128/25', '192.168.1.100')).toBe(false);
    expect(n('255.255.255.255/32', '255.255.255.255')).toBe(true);
    expect(n('fd00::/8', 'fd12::1')).toBe(true);
    expect(n('fd00::/8', 'fe80::1')).toBe(false);
    expect(n('10.0.0.0/8', '::ffff:10.1.1.1')).toBe(true);
    expect(n('::/0', '10.1.1.1')).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});

describe('time formats', () => {
  it('prints Falco time of day and RFC3339 with ns', () => {
    expect(timeOfDay(1_700_000_000_123.5)).toBe('22:13:20.123500000');
    expect(rfc3339Nano(1_700_000_000_123.5)).toBe('2023-11-14T22:13:20.123500000Z');
    expect(rfc3339Nano(0)).toBe('1970-01-01T00:00:00.000000000Z');
  });
});

describe('vigil rules fields', () => {
  it('lists fields with type and description', () => {
    const out: string[] = [];
    expect(runRulesFields(['proc.a'], { stdout: (s) => out.push(s), stderr: () => {} })).toBe(0);
    expect(out[0]).toMatch(/^FIELD\s+TYPE\s+DESCRIPTION$/);
    expect(out.some((l) => /^proc\.aname\[N\]\s+string\s+Name of the N-th ancestor/.test(l))).toBe(true);
    const json: string[] = [];
    runRulesFields(['--json', 'fs.'], { stdout: (s) => json.push(s), stderr: () => {} });
    expect(JSON.parse(json[0]!)).toMatchObject({ type: expect.any(String), origin: 'vigil' });
  });
});

describe('rules test event lines', () => {
  it('accepts events and reports what is wrong', () => {
    expect(parseEventLine('{"type":"execve","timeMs":1,"proc":{"pid":1,"name":"x"}}')).toMatchObject({ source: 'syscall', timeMs: 1 });
    expect(parseEventLine('{"type":"metric","time":"2024-01-01T00:00:00Z","metric":{"subject":"node","values":{}}}')).toMatchObject({ source: 'metrics', timeMs: Date.parse('2024-01-01T00:00:00Z') });
    expect(parseEventLine('{"type":"execve"')).toMatch(/not JSON/);
    expect(parseEventLine('[1]')).toMatch(/not a JSON object/);
    expect(parseEventLine('{"type":"opne","timeMs":1}')).toMatch(/"type" must be/);
    expect(parseEventLine('{"type":"execve"}')).toMatch(/timeMs/);
    expect(parseEventLine('{"type":"execve","timeMs":1,"proc":"x"}')).toMatch(/"proc" must be an object/);
    expect(parseEventLine('{"type":"metric","timeMs":1}')).toMatch(/metric event needs/);
  });
});

describe('vigil fd and filesystem fields', () => {
  const get = (name: string, e: Parameters<Exclude<ReturnType<typeof bindField>, string>['get']>[0]) => {
    const b = bindField(name);
    if (typeof b === 'string') throw new Error(b);
    return b.get(e);
  };
  const dup = {
    type: 'dup',
    source: 'syscall',
    timeMs: 0,
    rawres: 1,
    proc: { pid: 5, name: 'sh' },
    fd: { type: 'ipv4', direction: 'out', relayPid: 4, relayName: 'nc' },
  } as const;
  it('fd.direction, fd.relay.pid, fd.relay.name', () => {
    expect([get('fd.direction', dup), get('fd.relay.pid', dup), get('fd.relay.name', dup)]).toEqual(['out', 4, 'nc']);
    const direct = { ...dup, fd: { type: 'ipv4' } } as const;
    expect([get('fd.direction', direct), get('fd.relay.pid', direct), get('fd.relay.name', direct)]).toEqual([undefined, undefined, undefined]);
    for (const [f, t] of [
      ['fd.direction', 'string'],
      ['fd.relay.pid', 'number'],
      ['fd.relay.name', 'string'],
      ['fs.became_readonly', 'bool'],
    ] as const) {
      expect(listFields().find((x) => x.name === f)).toMatchObject({ type: t, vigil: true });
    }
  });
  it('fs.became_readonly is a bool over the 0/1 metric value, absent when the sample lacks it', () => {
    const fs = (values: Record<string, number>) => ({ type: 'metric', source: 'metrics', timeMs: 0, metric: { subject: 'filesystem', values } }) as const;
    expect(get('fs.became_readonly', fs({ 'fs.became_readonly': 1 }))).toBe(true);
    expect(get('fs.became_readonly', fs({ 'fs.became_readonly': 0 }))).toBe(false);
    expect(get('fs.became_readonly', fs({}))).toBeUndefined();
    expect(get('fs.readonly', fs({ 'fs.readonly': 1 }))).toBe(true);
  });
});
