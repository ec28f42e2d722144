import { parseCondition } from '../../../../rules/parser/index.js';
import type { Expr } from '../../../../rules/ast.js';
import type { VigilEvent } from '../../../../rules/event.js';
import type { LoadResult, ResolvedRule } from '../../../../rules/types.js';
import { Registry } from 'prom-client';
import type { Alert } from '../../../../rules/alert.js';
import type { RuleSet } from '../../../../rules/compiler/index.js';
import { createRuleEngine, type RuleEngine } from '../../../../rules/engine/index.js';

export function parse(text: string): Expr {
  const r = parseCondition(text);
  if (r.expr === undefined || r.issues.length > 0) throw new Error(`parse failed: ${text}: ${JSON.stringify(r.issues)}`);
  return r.expr;
}

export function rule(name: string, condition: string, extra: Partial<ResolvedRule> = {}): ResolvedRule {
  return {
    name,
    desc: name,
    condition: parse(condition),
    conditionText: condition,
    expandedText: condition,
    output: `${name} proc=%proc.name`,
    priority: 'WARNING',
    tags: [],
    enabled: true,
    source: 'syscall',
    location: { file: 'rules.yaml', line: 1, col: 3 },
    ...extra,
  };
}

export function load(...rules: ResolvedRule[]): LoadResult {
  return { rules, errors: [], warnings: [], files: [] };
}

export const execve: VigilEvent = {
  type: 'execve',
  source: 'syscall',
  timeMs: 1_700_000_000_123.5,
  hostname: 'node-1',
  proc: {
    pid: 4242,
    vpid: 7,
    ppid: 4000,
    name: 'bash',
    exe: '/bin/bash',
    exepath: '/usr/bin/bash',
    args: ['-c', 'id; Curl x'],
    tty: 34816,
    cwd: '/root',
    uid: 0,
    user: 'root',
    isExeUpperLayer: false,
    startTimeMs: 1_700_000_000_000,
    ancestors: [
      { pid: 4000, name: 'sshd', exepath: '/usr/sbin/sshd', args: ['-D'], exe: 'sshd' },
      { pid: 1, name: 'systemd', exepath: '/usr/lib/systemd/systemd' },
    ],
  },
  container: {
    id: '0123456789abcdef0123456789abcdef',
    name: 'web',
    image: 'nginx:1.25',
    imageRepository: 'nginx',
    imageTag: '1.25',
    privileged: true,
    labels: { app: 'web', tier: 'front' },
    runtime: 'docker',
  },
  k8s: { ns: 'prod', podName: 'web-7d9f-abcde', podLabels: { app: 'web' }, workloadKind: 'Deployment', workloadName: 'web' },
};

export const connect: VigilEvent = {
  type: 'connect',
  source: 'syscall',
  timeMs: 1_700_000_001_000,
  proc: { pid: 10, name: 'curl', args: ['http://x'] },
  fd: {
    type: 'ipv4',
    l4proto: 'tcp',
    cip: '172.17.0.2',
    cport: 40000,
    sip: '10.1.2.3',
    sport: 443,
    lip: '172.17.0.2',
    lport: 40000,
    rip: '10.1.2.3',
    rport: 443,
    name: '172.17.0.2:40000->10.1.2.3:443',
  },
};

export const connect6: VigilEvent = {
  type: 'connect',
  source: 'syscall',
  timeMs: 1_700_000_001_000,
  proc: { pid: 11, name: 'curl' },
  fd: { type: 'ipv6', l4proto: 'tcp', cip: '::ffff:192.168.1.5', cport: 1, sip: '2001:db8::1', sport: 80, rip: '2001:db8::1', rport: 80 },
};

export function metric(values: Record<string, number>, labels: Record<string, string>, timeMs: number, subject: 'node' | 'filesystem' | 'container' = 'filesystem'): VigilEvent {
  return { type: 'metric', source: 'metrics', timeMs, metric: { subject, values, labels } };
}

/** An engine on a fresh registry running `ruleSet`, and the alerts it raised. */
export function engineWith(ruleSet: RuleSet): { engine: RuleEngine; alerts: Alert[] } {
  const alerts: Alert[] = [];
  const engine = createRuleEngine({ registry: new Registry(), hostname: 'n' }, (a) => alerts.push(a));
  engine.swap(ruleSet);
  return { engine, alerts };
}
