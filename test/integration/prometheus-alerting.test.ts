import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { MANIFEST_SOURCES } from '../../agent/deploy/manifest-sources.js';
import { integrationUnavailable } from './docker-env.js';
import { freePort, startAgent, type AgentHandle } from './harness/agent.js';
import { removeAllPods, runPod } from './harness/pods.js';

/**
 * The monitoring half of the deployment against the real thing: Debian's
 * Prometheus scrapes a real agent (job `vigil`, as the ServiceMonitor names
 * it) and Debian's node_exporter (node memory for the headroom panels), loads
 * the shipped alert rules and sends to Debian's Alertmanager. Every PromQL
 * expression of the dashboard and of the rules goes through Prometheus's
 * query API; then a loop-mounted ext4 is filled and the disk alert must
 * reach Alertmanager. Test-only override: every `for:` is 0s here (the
 * shipped 5m would make the test wait 5 minutes); the expressions are the
 * shipped ones.
 */
const REPO = join(import.meta.dirname, '..', '..');
const TOOLS = 'vigil-test/tools:latest';
const unavailable = integrationUnavailable();

interface Proc {
  child: ChildProcess;
  log: () => string;
}
function run(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log = (log + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
  return { child, log: () => log };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Grafana's variables as "All" and its interval macros as fixed ranges. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$__range', '5m')
    .replaceAll('$__interval', '15s')
    .replace(/\$(cluster|node|namespace|pod)\b/g, '.*');
}

interface Dashboard {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
  annotations: { list: { expr?: string; name: string }[] };
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

describe.skipIf(unavailable)('Prometheus, Alertmanager and the dashboard against a real agent', () => {
  let dir: string;
  let agent: AgentHandle;
  const procs: Proc[] = [];
  let promUrl: string;
  let amUrl: string;
  let mountpoint: string;
  const dashboard = JSON.parse(readFileSync(join(REPO, 'manifests/grafana/vigil-dashboard.json'), 'utf8')) as Dashboard;
  const rulesDoc = parse(readFileSync(join(REPO, MANIFEST_SOURCES.alertRules), 'utf8')) as { groups: { rules: { alert: string; expr: string; for?: string }[] }[] };

  async function query(expr: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return { status: res.status, body: await res.json() };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-prom-it-'));
    mountpoint = join(dir, 'disk');
    mkdirSync(mountpoint);
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'disk.img')}`, 'bs=1M', 'count=32', 'status=none']);
    execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', join(dir, 'disk.img')]);
    execFileSync('mount', ['-o', 'loop', join(dir, 'disk.img'), mountpoint]);

    agent = await startAgent(['--scan-interval-ms', '1000', '--sample-interval-ms', '1000']);
    const agentAddr = new URL(agent.metricsUrl).host;
    const nodePort = await freePort();
    procs.push(run('prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${nodePort}`, '--collector.disable-defaults', '--collector.meminfo']));

    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      join(dir, 'am.yml'),
      stringify({
        route: { receiver: 'null', group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'null' }],
      }),
    );
    procs.push(run('prometheus-alertmanager', [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']));

    // The shipped rules with every `for:` set to 0s (test-only; see above).
    const testRules = structuredClone(rulesDoc);
    for (const g of testRules.groups) for (const r of g.rules) if (r.for) r.for = '0s';
    writeFileSync(join(dir, 'rules.yml'), stringify(testRules));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [
          { job_name: 'vigil', static_configs: [{ targets: [agentAddr] }] },
          { job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${nodePort}`] }] },
        ],
      }),
    );
    procs.push(run('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`]));
    await waitFor(
      'Alertmanager ready',
      async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined),
      30_000,
      () => procs[1]!.log(),
    );
    await waitFor(
      'Prometheus ready',
      async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined),
      30_000,
      () => procs[2]!.log(),
    );
    // A kubelet-layout pod with a network tool: container series and a vigil alert for the panels.
    runPod({ namespace: 'shop', pod: 'prom-it', container: 'app', image: TOOLS, command: ['sh', '-c', 'nc -l -p 7777 & sleep 600'] });
    await agent.waitForAlert((a) => a.rule === 'Network Tool Launched in Container', 15_000);
    await waitFor(
      'both targets up',
      async () => {
        const r = await query('sum(up{job=~"vigil|node"})');
        return r.body.data.result[0]?.value[1] === '2' ? true : undefined;
      },
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    removeAllPods();
    for (const p of procs) p.child.kill('SIGTERM');
    await agent?.stop();
    if (mountpoint) {
      try {
        execFileSync('umount', [mountpoint]);
      } catch {
        // not mounted
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every alert rule expression parses and evaluates', async () => {
    const exprs = rulesDoc.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr] as const));
    expect(exprs.length).toBe(21);
    for (const [alert, expr] of exprs) {
      const r = await query(expr);
      expect(r.status, `${alert}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    // Prometheus loaded them all, with no evaluation errors.
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as any;
    const loaded = rules.data.groups.flatMap((g: any) => g.rules);
    expect(loaded).toHaveLength(exprs.length);
    for (const r of loaded) expect(r.health, `${r.name}: ${r.lastError}`).not.toBe('err');
  });

  it('every dashboard expression parses, and every panel returns data', async () => {
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    for (const a of dashboard.annotations.list.filter((x) => x.expr)) {
      const r = await query(substitute(a.expr!));
      expect(r.status, `annotation ${a.name}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const q = typeof v.query === 'string' ? v.query : v.query.query;
      const m = /^label_values\((.+), (\w+)\)$/.exec(q);
      expect(m, `variable ${v.name}: ${q}`).not.toBeNull();
      const r = await query(substitute(m![1]!));
      expect(r.status, `variable ${v.name}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    // Rates need a few scrapes: wait until every panel has data, then name the ones without.
    const empty = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const p of panels) {
        let data = false;
        for (const t of p.targets ?? []) {
          const r = await query(substitute(t.expr));
          expect(r.status, `${p.title}: ${t.expr}: ${JSON.stringify(r.body)}`).toBe(200);
          if (r.body.data.result.length > 0) data = true;
        }
        if (!data) out.push(p.title);
      }
      return out;
    };
    let missing: string[] = [];
    await waitFor(
      'every panel has data',
      async () => {
        missing = await empty();
        return missing.length === 0 ? true : undefined;
      },
      60_000,
      () => `panels without data: ${missing.join(', ')}`,
    );
  });

  it('a filling loop-mounted filesystem fires NodeFilesystemAlmostFull in Alertmanager', async () => {
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(mountpoint, 'fill')}`, 'bs=1M', 'count=64', 'status=none']);
    } catch {
      // ENOSPC: full, as intended
    }
    execFileSync('sync');
    const alert = await waitFor(
      'the disk alert in Alertmanager',
      async () => {
        const res = await fetch(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent('alertname="NodeFilesystemAlmostFull"')}`);
        const alerts = (await res.json()) as { labels: Record<string, string>; status: { state: string } }[];
        return alerts.find((a) => a.labels.mountpoint === mountpoint);
      },
      60_000,
      () => procs[2]!.log().slice(-3000),
    );
    expect(alert.labels).toMatchObject({ alertname: 'NodeFilesystemAlmostFull', severity: 'warning', fstype: 'ext4', job: 'vigil' });
    expect(alert.status.state).toBe('active');
  });
});
