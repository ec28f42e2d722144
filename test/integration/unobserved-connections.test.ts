import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, integrationUnavailable, TEST_IMAGE } from './docker-env.js';
import { startAgent, type AgentHandle } from './harness/agent.js';
import { removeAllPods, runPod, type Pod } from './harness/pods.js';

const unavailable = integrationUnavailable();
const SCAN_MS = 1_000;

async function unobserved(agent: AgentHandle): Promise<number> {
  const m = /^vigil_tcp_connections_unobserved_total (\d+)/m.exec(await agent.metrics());
  if (!m) throw new Error('vigil_tcp_connections_unobserved_total missing from /metrics');
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(unavailable)('connections shorter than a scan are counted, not lost silently', () => {
  let agent: AgentHandle;
  let server: Pod;
  let client: Pod;

  beforeAll(async () => {
    agent = await startAgent(['--scan-interval-ms', String(SCAN_MS)]);
    server = runPod({
      namespace: 'shop',
      pod: 'api-0',
      container: 'server',
      image: TEST_IMAGE,
      // Port 8080 closes each connection at once; 9090 holds it as long as the client does.
      command: ['sh', '-c', 'nc -ll -p 8080 -e /bin/true & nc -ll -p 9090 -e /bin/cat & wait'],
    });
    client = runPod({ namespace: 'shop', pod: 'web-0', container: 'client', image: TEST_IMAGE, command: ['sleep', '3600'] });
    await sleep(3 * SCAN_MS); // both netns read once: their counters are the baseline
  });
  afterAll(async () => {
    await agent?.stop();
    removeAllPods();
  });

  it('counts 20 connections that opened and closed between scans (both ends), and not the ones a scan saw', async () => {
    const ip = server.ip();
    const quietStart = await unobserved(agent);
    await sleep(3 * SCAN_MS);
    const noise = (await unobserved(agent)) - quietStart; // the host's own short connections, if any

    // Held connections, 3 scans long each: every one is seen, none unobserved.
    const before = await unobserved(agent);
    docker('exec', client.id, 'sh', '-c', `for i in 1 2 3; do sleep ${(3 * SCAN_MS) / 1000} | nc ${ip} 9090; done`);
    await sleep(2 * SCAN_MS);
    const held = (await unobserved(agent)) - before;

    // 20 connections of a few milliseconds each, all within one scan interval.
    const start = await unobserved(agent);
    docker('exec', client.id, 'sh', '-c', `for i in $(seq 20); do nc ${ip} 8080 </dev/null; done`);
    await sleep(2 * SCAN_MS);
    const brief = (await unobserved(agent)) - start;

    console.log(`unobserved: host noise ${noise} in ${3 * SCAN_MS} ms, held ${held}, brief ${brief} (of 40 opens: 20 connect + 20 accept)`);
    expect(held).toBeLessThanOrEqual(noise + 2);
    expect(brief).toBeGreaterThanOrEqual(30);
    expect(brief).toBeLessThanOrEqual(40 + noise + 2);
  });
});
