import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable, TEST_IMAGE } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { removeAllPods, runPod, type Pod } from './harness/pods.js';

const unavailable = integrationUnavailable();

const LIBRARY = join(import.meta.dirname, '..', '..', 'rules', 'library');
const ALLOWED = 'shop/app/web/client -> shop/Deployment/api/server:8080/tcp';
/** The allowlist policy, as a team would fill it in its own rule file. */
const POLICY = `
- list: vigil_enforced_namespaces
  items: [shop]
- list: vigil_allowed_edges
  items: ["${ALLOWED}"]
`;
const LEARNING_WINDOW_MS = 12_000;

/** A client that keeps reconnecting, holding each connection long enough for a scan to see it. */
function client(pod: string, app: string, target: string, port: number): Pod {
  return runPod({
    namespace: 'shop',
    pod,
    container: 'client',
    image: TEST_IMAGE,
    labels: { app },
    command: ['sh', '-c', `while true; do (echo hi; sleep 4) | nc ${target} ${port}; sleep 0.5; done`],
  });
}

describe.skipIf(unavailable)('pod connections: allowlist and learned baseline across a restart', () => {
  let dir: string;
  let api: Pod;
  let agent: AgentHandle | undefined;
  const args = (): string[] => [
    '--rules',
    LIBRARY,
    '--rules',
    join(dir, 'policy.yaml'),
    '--baseline-path',
    join(dir, 'baseline.json'),
    '--learning-window-ms',
    String(LEARNING_WINDOW_MS),
    '--scan-interval-ms',
    '500',
  ];
  const edgeAlert = (rule: string, key: string) => (a: JsonAlert) => a.rule === rule && a.output.includes(key);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-edges-e2e-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
  });
  afterAll(async () => {
    await agent?.stop();
    removeAllPods();
    rmSync(dir, { recursive: true, force: true });
  });

  it('learns the allowed edge, keeps it across a restart, then alerts on new edges only', async () => {
    const learningStart = Date.now();
    agent = await startAgent(args());
    api = runPod({
      namespace: 'shop',
      pod: 'api-7d4b9c8f6d-x2x9k',
      container: 'server',
      image: TEST_IMAGE,
      labels: { app: 'api', 'pod-template-hash': '7d4b9c8f6d' },
      // busybox nc has no -k: -ll -e forks a handler per connection and keeps listening.
      command: ['sh', '-c', 'nc -ll -p 8080 -e /bin/cat & nc -ll -p 9090 -e /bin/cat & wait'],
    });
    client('web', 'web', api.ip(), 8080);

    // While learning, the allowed edge is seen and learned, and nothing alerts on it.
    const learned = async (): Promise<boolean> => /vigil_edges_baseline [1-9]/.test(await agent!.metrics());
    while (!(await learned())) {
      if (Date.now() - learningStart > LEARNING_WINDOW_MS - 2_000) throw new Error('edge not learned in the learning window');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await agent.stop()).toBe(0);

    // Restart after the window: the baseline file carries both the edges and the window's start.
    await new Promise((r) => setTimeout(r, Math.max(0, learningStart + LEARNING_WINDOW_MS + 500 - Date.now())));
    agent = await startAgent(args());
    expect(await agent.metrics()).toMatch(/vigil_edges_learning 0/);

    client('intruder', 'intruder', api.ip(), 8080);
    client('web-newport', 'web', api.ip(), 9090);
    const intruderKey = 'shop/app/intruder/client -> shop/Deployment/api/server:8080/tcp';
    const newPortKey = 'shop/app/web/client -> shop/Deployment/api/server:9090/tcp';

    const unexpected = await agent.waitForAlert(edgeAlert('Unexpected Pod Connection', intruderKey), 20_000);
    expect(unexpected.output_fields).toMatchObject({ 'edge.key': intruderKey, 'k8s.ns.name': 'shop' });
    await agent.waitForAlert(edgeAlert('Unexpected Pod Connection', newPortKey), 20_000);
    await agent.waitForAlert(edgeAlert('Disallowed Pod Connection', intruderKey), 20_000);

    // The learned and allowlisted edge stayed quiet the whole time, under both policies.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(agent.alerts.filter((a) => a.output.includes(ALLOWED))).toEqual([]);
  });
});
