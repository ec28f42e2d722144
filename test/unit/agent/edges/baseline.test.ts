import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaseline, type BaselineConfig, type Identity } from '../../../../agent/edges/index.js';
import { metricValue, reportedText, testDeps } from './helpers.js';

const WEB: Identity = { id: 'shop/Deployment/web/nginx', kind: 'pod', ns: 'shop', workloadKind: 'Deployment', workload: 'web', container: 'nginx', labels: { app: 'web' } };
const API: Identity = { id: 'shop/Deployment/api/server', kind: 'pod', ns: 'shop', workloadKind: 'Deployment', workload: 'api', container: 'server', labels: { app: 'api' } };
const EXT: Identity = { id: 'external:198.51.100.7', kind: 'external', addr: '198.51.100.7' };
const HOUR = 3600_000;

let dir: string;
let path: string;
let t: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-baseline-'));
  path = join(dir, 'state', 'baseline.json');
  t = 1_700_000_000_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (over: Partial<BaselineConfig> = {}): BaselineConfig => ({
  path,
  learningWindowMs: HOUR,
  maxEdges: 100,
  persistIntervalMs: 60_000,
  now: () => t,
  ...over,
});

describe('baseline learning', () => {
  it('learns during the window, then reports unknown edges as new without adding them', async () => {
    const deps = testDeps();
    const b = createBaseline(deps, cfg());
    await b.load();
    expect(await metricValue(deps.registry, 'vigil_edges_learning')).toBe(1);
    expect(b.observe(WEB, API, 8080, 'tcp')).toEqual({ learning: true, isNew: false });
    t += HOUR - 1;
    expect(b.observe(WEB, EXT, 443, 'tcp')).toEqual({ learning: true, isNew: false });
    expect(b.size).toBe(2);
    t += 1; // the window is [start, start + window)
    expect(b.observe(WEB, API, 8080, 'tcp')).toEqual({ learning: false, isNew: false });
    expect(b.observe(API, WEB, 8080, 'tcp')).toEqual({ learning: false, isNew: true });
    expect(b.observe(WEB, API, 9090, 'tcp')).toEqual({ learning: false, isNew: true });
    expect(b.observe(WEB, API, 8080, 'udp')).toEqual({ learning: false, isNew: true });
    // Still new the second time: a new edge is not learned after the window.
    expect(b.observe(API, WEB, 8080, 'tcp').isNew).toBe(true);
    expect(b.size).toBe(2);
    expect(await metricValue(deps.registry, 'vigil_edges_learning')).toBe(0);
    expect(await metricValue(deps.registry, 'vigil_edges_new_total')).toBe(4);
    expect(await metricValue(deps.registry, 'vigil_edges_baseline')).toBe(2);
    await b.close();
  });

  it('without a path learns nothing and never reports new (allowlist-only mode)', async () => {
    const b = createBaseline(testDeps(), cfg({ path: undefined }));
    await b.load();
    expect(b.observe(WEB, API, 8080, 'tcp')).toEqual({ learning: false, isNew: false });
    t += 2 * HOUR;
    expect(b.observe(API, WEB, 1, 'tcp')).toEqual({ learning: false, isNew: false });
    expect(b.size).toBe(0);
    await b.close();
    expect(existsSync(path)).toBe(false);
  });

  it('stops adding at maxEdges and counts the drops', async () => {
    const deps = testDeps();
    const b = createBaseline(deps, cfg({ maxEdges: 2 }));
    await b.load();
    for (const port of [1, 2, 3, 4]) b.observe(WEB, API, port, 'tcp');
    expect(b.size).toBe(2);
    expect(await metricValue(deps.registry, 'vigil_edges_dropped_total')).toBe(2);
    t += HOUR;
    expect(b.observe(WEB, API, 3, 'tcp').isNew).toBe(true);
    await b.close();
  });
});

describe('baseline persistence', () => {
  it('writes the learning start at first run, then round-trips edges and identities across a restart', async () => {
    const first = createBaseline(testDeps(), cfg());
    await first.load();
    expect(JSON.parse(readFileSync(path, 'utf8')).learningStartedMs).toBe(t);
    const started = t;
    first.observe(WEB, API, 8080, 'tcp');
    first.observe(WEB, EXT, 443, 'tcp');
    t += 10 * 60_000;
    await first.close();
    await first.close(); // idempotent

    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.version).toBe(1);
    expect(file.edges.map((e: { src: string; dst: string; port: number }) => `${e.src}>${e.dst}:${e.port}`)).toEqual([
      'shop/Deployment/web/nginx>external:198.51.100.7:443',
      'shop/Deployment/web/nginx>shop/Deployment/api/server:8080',
    ]);
    expect(file.identities['shop/Deployment/api/server']).toEqual(API);
    expect(readdirSync(join(dir, 'state'))).toEqual(['baseline.json']); // no temp file left behind

    // Restart inside the window: same start, keeps learning, knows the edges.
    const second = createBaseline(testDeps(), cfg());
    await second.load();
    expect(second.learningStartedMs).toBe(started);
    expect(second.isLearning()).toBe(true);
    expect(second.has('shop/Deployment/web/nginx -> shop/Deployment/api/server:8080/tcp')).toBe(true);
    second.observe(API, WEB, 5432, 'tcp');
    await second.close();

    // Restart after the window: the window is not reopened by the restart.
    t = started + HOUR + 1;
    const third = createBaseline(testDeps(), cfg());
    await third.load();
    expect(third.isLearning()).toBe(false);
    expect(third.size).toBe(3);
    expect(third.observe(WEB, API, 8080, 'tcp').isNew).toBe(false);
    expect(third.observe(API, WEB, 5432, 'tcp').isNew).toBe(false);
    expect(third.observe(API, EXT, 443, 'tcp').isNew).toBe(true);
    await third.close();
  });

  it('writes changes after the debounce interval', async () => {
    const b = createBaseline(testDeps(), cfg({ persistIntervalMs: 20 }));
    await b.load();
    b.observe(WEB, API, 8080, 'tcp');
    const deadline = Date.now() + 5_000;
    let edges = 0;
    while (edges === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      edges = JSON.parse(readFileSync(path, 'utf8')).edges.length;
    }
    expect(edges).toBe(1);
    await b.close();
  });

  it('keeps a corrupt file aside, counts the error and starts fresh', async () => {
    const deps = testDeps();
    writeFileSync(join(dir, 'baseline.json'), '{"version":1,"learningStartedMs":');
    const b = createBaseline(deps, cfg({ path: join(dir, 'baseline.json') }));
    await b.load();
    expect(reportedText(deps)).toHaveLength(1);
    expect(reportedText(deps)[0]).toMatch(/^edges\/load: .*not JSON.*starting a fresh baseline/);
    expect(readdirSync(dir).sort()).toEqual([`baseline.json`, `baseline.json.corrupt-${t}`]);
    expect(b.learningStartedMs).toBe(t);
    expect(b.isLearning()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')).edges).toEqual([]);
    await b.close();
  });

  it('treats valid JSON of the wrong shape as corrupt', async () => {
    const deps = testDeps();
    writeFileSync(join(dir, 'baseline.json'), JSON.stringify({ version: 1, learningStartedMs: 5, identities: {}, edges: [{ src: 'a' }] }));
    const b = createBaseline(deps, cfg({ path: join(dir, 'baseline.json') }));
    await b.load();
    expect(reportedText(deps)[0]).toMatch(/edges\[0\] is malformed/);
    expect(b.learningStartedMs).toBe(t);
    await b.close();
  });

  it('reports a failed write and does not reject', async () => {
    const deps = testDeps();
    writeFileSync(join(dir, 'file'), 'x');
    const b = createBaseline(deps, cfg({ path: join(dir, 'file', 'baseline.json') }));
    await b.load();
    expect(reportedText(deps).some((r) => r.startsWith('edges/persist'))).toBe(true);
    await b.close();
  });
});
