import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { loadConfig } from '../../../agent/config/index.js';
import { MANIFEST_SOURCES } from '../../../agent/deploy/manifest-sources.js';
import { prometheusRuleYaml } from '../../../agent/deploy/prometheus-rule.js';
import { rulesConfigMapYaml } from '../../../agent/deploy/rules-configmap.js';
import { kustomizeUnavailable, MANIFESTS, REPO, renderDir, renderWith, type K8sObject } from '../../helpers/kustomize.js';

/** The offline schema of every kind the manifests hold (kubernetes-models: the API's OpenAPI schemas). */
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

const OVERLAYS = ['.', 'base', 'overlays/plain-prometheus', 'overlays/prometheus-operator'];
const RUNTIMES = readdirSync(join(MANIFESTS, 'components'))
  .filter((d) => d.startsWith('runtime-'))
  .sort();
const unavailable = kustomizeUnavailable();
const DIST_MAIN = join(REPO, 'dist/agent/main.js');

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const daemonSet = (objs: K8sObject[]) => byKind(objs, 'DaemonSet')[0] as any;
const envOf = (ds: any) => new Map<string, any>(ds.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));

function validateAll(objs: K8sObject[]): void {
  for (const o of objs) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    expect(Model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
    expect(() => new Model!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
  }
}

describe('generated manifests are current (npm run manifests:rules)', () => {
  it('the rules ConfigMap is rules/library', () => {
    expect(readFileSync(join(REPO, MANIFEST_SOURCES.rulesConfigMap), 'utf8')).toBe(rulesConfigMapYaml(join(REPO, MANIFEST_SOURCES.rulesLibrary)));
  });
  it('the PrometheusRule is the plain alert rule file', () => {
    expect(readFileSync(join(REPO, MANIFEST_SOURCES.prometheusRule), 'utf8')).toBe(prometheusRuleYaml(join(REPO, MANIFEST_SOURCES.alertRules)));
  });
});

describe.skipIf(unavailable)('kubectl kustomize renders', () => {
  for (const overlay of OVERLAYS) {
    it(`${overlay}: every object passes the Kubernetes schema`, () => {
      const objs = renderDir(join(MANIFESTS, overlay));
      expect(objs.length).toBeGreaterThan(5);
      validateAll(objs);
      for (const o of objs.filter((x) => x.kind !== 'Namespace' && !x.kind.startsWith('Cluster'))) expect(o.metadata.namespace, o.kind).toBe('vigil');
    });
  }

  for (const runtime of RUNTIMES) {
    it(`base + components/${runtime}: valid, and its sockets are valid agent settings`, () => {
      const objs = renderWith([join(MANIFESTS, 'base')], [join(MANIFESTS, 'components', runtime)]);
      validateAll(objs);
      const env = envOf(daemonSet(objs));
      const cri = env.get('VIGIL_CRI_SOCKET').value as string;
      const docker = env.get('VIGIL_DOCKER_SOCKET').value as string;
      expect(cri, 'a runtime component pins the CRI socket (or turns it off)').not.toBe('auto');
      // Sockets are reached through the host's / mounted at /host/root.
      for (const p of [cri, docker]) if (p !== 'none') expect(p.startsWith('/host/root/'), p).toBe(true);
    });
  }

  it('the default (manifests/) is the plain-prometheus overlay; the operator overlay adds ServiceMonitor and PrometheusRule', () => {
    const plain = renderDir(join(MANIFESTS, 'overlays/plain-prometheus'));
    expect(renderDir(MANIFESTS)).toEqual(plain);
    expect(daemonSet(plain).spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9867' });
    expect(
      byKind(plain, 'ConfigMap')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual(['vigil-grafana-dashboard', 'vigil-prometheus-rules', 'vigil-rules']);
    const op = renderDir(join(MANIFESTS, 'overlays/prometheus-operator'));
    expect(daemonSet(op).spec.template.metadata.annotations ?? {}).not.toHaveProperty('prometheus.io/scrape');
    const sm = byKind(op, 'ServiceMonitor')[0] as any;
    const svc = byKind(op, 'Service')[0] as any;
    expect(sm.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    const dashboard = byKind(op, 'ConfigMap').find((c) => c.metadata.name === 'vigil-grafana-dashboard')!;
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse((dashboard as any).data['vigil-dashboard.json']).uid).toBe('vigil-overview');
  });

  it('DaemonSet: least privilege, probes, downward API, resources, rolling update, host mounts read-only', () => {
    const objs = renderDir(MANIFESTS);
    const ds = daemonSet(objs);
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsUser: 0,
      capabilities: { drop: ['ALL'] },
    });
    // Exactly the three the capability tests justify (test/integration/capabilities.test.ts).
    expect([...c.securityContext.capabilities.add].sort()).toEqual(['DAC_READ_SEARCH', 'NET_ADMIN', 'SYS_PTRACE']);
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(pod).toMatchObject({ hostPID: true, hostNetwork: true, priorityClassName: 'system-node-critical' });
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec.updateStrategy.type).toBe('RollingUpdate');
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'metrics' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'metrics' });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    expect(envOf(ds).get('VIGIL_NODE_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['metrics', 9867],
      ['grpc', 9868],
    ]);
    const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
    for (const m of c.volumeMounts) {
      if (volumes.get(m.name).hostPath && m.mountPath !== '/var/lib/vigil') expect(m.readOnly, m.mountPath).toBe(true);
    }
    const rules = c.volumeMounts.find((m: any) => m.mountPath === '/etc/vigil/rules');
    expect(rules.subPath).toBeUndefined(); // a directory mount, so ConfigMap edits arrive (hot reload)
    expect(volumes.get(rules.name).configMap.name).toBe('vigil-rules');
  });

  it('DaemonSet env is a valid agent configuration', () => {
    const env = [...envOf(daemonSet(renderDir(MANIFESTS))).values()];
    const plain = Object.fromEntries(env.filter((e) => 'value' in e).map((e) => [e.name, e.value]));
    const config = loadConfig({ flags: {}, env: { ...plain, VIGIL_NODE_NAME: 'node-1' } });
    expect(config.metricsAddr).toEqual({ host: '0.0.0.0', port: 9867 });
    expect(config.rules).toEqual(['/etc/vigil/rules']);
  });

  it('RBAC: list and watch of what the API watch reads, nothing else, bound to the agent', () => {
    const objs = renderDir(MANIFESTS);
    const role = byKind(objs, 'ClusterRole')[0] as any;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list', 'watch'] },
    ]);
    const binding = byKind(objs, 'ClusterRoleBinding')[0] as any;
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'vigil', namespace: 'vigil' }]);
  });

  it('the rendered rules ConfigMap passes `vigil rules validate`', () => {
    const cm = byKind(renderDir(MANIFESTS), 'ConfigMap').find((c) => c.metadata.name === 'vigil-rules') as any;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cm-rules-'));
    try {
      const files = Object.entries(cm.data as Record<string, string>).map(([name, text]) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      });
      expect(files.length).toBeGreaterThan(2);
      const r = spawnSync(process.execPath, [DIST_MAIN, 'rules', 'validate', ...files], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      // And a broken file is caught the same way (the check can fail).
      writeFileSync(join(dir, '99-broken.yaml'), '- rule: x\n  condition: proc.name = \n');
      const bad = spawnSync(process.execPath, [DIST_MAIN, 'rules', 'validate', ...files, join(dir, '99-broken.yaml')], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool && process.env.VIGIL_REQUIRE_INTEGRATION === '1') throw new Error('promtool is mandatory here');
describe.skipIf(!promtool)('alert rules', () => {
  const rulesFile = join(REPO, MANIFEST_SOURCES.alertRules);
  const alerts = (parse(readFileSync(rulesFile, 'utf8')).groups as any[]).flatMap((g) => g.rules as any[]);

  it('the PrometheusRule groups pass `promtool check rules`', () => {
    const pr = parse(readFileSync(join(REPO, MANIFEST_SOURCES.prometheusRule), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-promrules-'));
    try {
      writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: pr.spec.groups }));
      const r = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`promtool test rules` passes, with a test for every alert', () => {
    const testFile = join(REPO, 'manifests/prometheus/vigil-alerts.test.yaml');
    const r = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const tested = new Set((parse(readFileSync(testFile, 'utf8')).tests as any[]).flatMap((t) => (t.alert_rule_test as any[]).filter((a) => a.exp_alerts?.length).map((a) => a.alertname as string)));
    expect(alerts.map((a) => a.alert).filter((a) => !tested.has(a))).toEqual([]);
  });

  it('every alert has a severity, a summary and a README runbook', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const a of alerts) {
      expect(['critical', 'warning', 'info'], a.alert).toContain(a.labels.severity);
      expect(a.annotations.summary, a.alert).toBeTruthy();
      expect(a.annotations.runbook_url, a.alert).toMatch(new RegExp(`#${a.alert.toLowerCase()}$`));
      expect(readme, `README runbook heading for ${a.alert}`).toMatch(new RegExp(`^#### ${a.alert}$`, 'm'));
    }
  });
});
