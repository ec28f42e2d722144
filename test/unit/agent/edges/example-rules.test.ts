import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEdgeTracker, podIdentity, type EdgeLookups } from '../../../../agent/edges/index.js';
import { runRulesTest } from '../../../../rules/cli/test.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { connEvent, testDeps } from './helpers.js';

const RULES = fileURLToPath(new URL('../../../../agent/edges/example-rules.yaml', import.meta.url));
const API_IP = '10.244.0.6';
const lookups: EdgeLookups = {
  addressOwner: (ip) => (ip === API_IP ? { netns: 2, containerIds: ['api'] } : undefined),
  containerIdentity: () => podIdentity({ ns: 'shop', podName: 'api-5f6c7d-abcde', podLabels: { app: 'api' }, containerName: 'server', workloadKind: 'Deployment', workloadName: 'api' }),
};

/** Annotated events through the example rules, as `vigil rules test` runs them: the rules that fired, in order. */
async function fired(dir: string, events: VigilEvent[]): Promise<string[]> {
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, events.map((e) => JSON.stringify(e)).join('\n'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRulesTest([RULES, '--events', path, '--rule-matching', 'all'], { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  expect(err).toEqual([]);
  expect(code).toBe(0);
  return out.map((l) => (JSON.parse(l) as { rule: string }).rule);
}

describe('example rules over tracker edges', () => {
  let dir: string;
  let t: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-edge-rules-'));
    t = 1_700_000_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps an allowed pod-to-pod connection quiet and alerts on others, and on new external edges after learning', async () => {
    const cfg = { baselinePath: join(dir, 'baseline.json'), learningWindowMs: 60_000, clusterCidrs: ['10.244.0.0/16'], maxEdges: 100, persistIntervalMs: 60_000, now: () => t };
    const tracker = createEdgeTracker(testDeps(), cfg, lookups);
    await tracker.start(new AbortController().signal);
    const ev = (sip: string, sport: number, cport: number) => tracker.annotate(connEvent('connect', { own: 'web', cip: '10.244.0.5', cport, sip, sport, netns: 1 }));

    const learning = [ev(API_IP, 8080, 1), ev('198.51.100.9', 443, 2)];
    expect(await fired(dir, learning)).toEqual(['Shop Connection Not In Allowlist']); // allowlisting does not wait for learning
    t += 120_000;
    const after = [ev(API_IP, 8080, 3), ev('198.51.100.9', 443, 4), ev('203.0.113.5', 443, 5), ev(API_IP, 9090, 6)];
    expect(after.map((e) => e.edge?.isNew)).toEqual([false, false, true, true]);
    expect(await fired(dir, after)).toEqual([
      'Shop Connection Not In Allowlist', // 198.51.100.9 was learned, but it is not in the allowlist
      'Shop Connection Not In Allowlist',
      'Shop New External Connection',
      'Shop Connection Not In Allowlist',
    ]);
    await tracker.stop();
  });
});
