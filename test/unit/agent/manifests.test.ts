import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { rulesConfigMapYaml } from '../../../agent/deploy/rules-configmap.js';

const repo = join(import.meta.dirname, '../../..');
const dir = join(repo, 'manifests');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
}

function load(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  return docs.map((d) => {
    expect(d.errors, `${file}: ${d.errors.map((e) => e.message).join('; ')}`).toEqual([]);
    return d.toJS() as K8sObject;
  });
}

// biome-ignore lint/suspicious/noExplicitAny: parsed Kubernetes YAML walked by path; the expectations are the type check.
type Manifest = any;

const kustomization = load('kustomization.yaml')[0] as unknown as { resources: string[]; namespace: string };
const objects = kustomization.resources.flatMap((f) => load(f));
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const one = <T = K8sObject>(kind: string) => {
  const found = byKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as T;
};

describe('manifests/', () => {
  it('kustomization lists every manifest file and they all parse', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect([...kustomization.resources].sort()).toEqual(files);
    expect(kustomization.namespace).toBe('vigil');
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet', 'Namespace', 'PrometheusRule', 'Service', 'ServiceAccount'].sort(),
    );
    for (const o of objects) expect(o.apiVersion && o.metadata.name, `${o.kind}`).toBeTruthy();
  });

  it('DaemonSet: host PID and network, capabilities, host mounts, resources, probes, scrape annotations', () => {
    const ds = one<Manifest>('DaemonSet');
    const pod = ds.spec.template.spec;
    expect(ds.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'vigil' });
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.serviceAccountName).toBe(one('ServiceAccount').metadata.name);
    const c = pod.containers[0];
    expect(c.securityContext.capabilities.add.sort()).toEqual(['DAC_READ_SEARCH', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE']);
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '256Mi' } });
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    const ann = ds.spec.template.metadata.annotations;
    expect(ann['prometheus.io/scrape']).toBe('true');
    expect(ann['prometheus.io/port']).toBe('9867');

    const volumes = new Map<string, Manifest>(pod.volumes.map((v: Manifest) => [v.name, v]));
    const mounts = new Map<string, Manifest>(c.volumeMounts.map((m: Manifest) => [m.mountPath, m]));
    const hostPathAt = (mountPath: string) => volumes.get(mounts.get(mountPath)?.name)?.hostPath?.path;
    expect(hostPathAt('/host/proc')).toBe('/proc');
    expect(hostPathAt('/host/sys/fs/cgroup')).toBe('/sys/fs/cgroup');
    expect(hostPathAt('/host/root')).toBe('/');
    expect(hostPathAt('/host/etc')).toBe('/etc');
    expect(hostPathAt('/host/var/run')).toBe('/var/run');
    for (const p of ['/host/proc', '/host/sys/fs/cgroup', '/host/root', '/host/etc', '/host/var/run', '/etc/vigil/rules']) {
      expect(mounts.get(p)?.readOnly, p).toBe(true);
    }
    expect(volumes.get(mounts.get('/etc/vigil/rules').name).configMap.name).toBe(one('ConfigMap').metadata.name);

    // The env the agent reads must be settings its schema knows (a typo would stop it with exit 2).
    const env = new Map<string, string>(c.env.map((e: Manifest) => [e.name, e.value]));
    expect(env.get('VIGIL_HOST_PROC')).toBe('/host/proc');
    expect(env.get('VIGIL_RULES')).toBe('/etc/vigil/rules');
    expect(env.get('VIGIL_DOCKER_SOCKET')).toBe('/host/var/run/docker.sock');
  });

  it('DaemonSet env is a valid agent configuration', async () => {
    const { loadConfig } = await import('../../../agent/config/index.js');
    const c = (one<Manifest>('DaemonSet').spec.template.spec.containers[0].env as { name: string; value: string }[]);
    const config = loadConfig({ flags: {}, env: Object.fromEntries(c.map((e) => [e.name, e.value])) });
    expect(config.metricsAddr).toEqual({ host: '0.0.0.0', port: 9867 });
    expect(config.output).toBe('json');
  });

  it('RBAC: read-only pods and nodes, bound to the agent service account', () => {
    const role = one<Manifest>('ClusterRole');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }]);
    const binding = one<Manifest>('ClusterRoleBinding');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: one('ServiceAccount').metadata.name, namespace: kustomization.namespace }]);
  });

  it('headless Service selects the agent pods on the metrics port', () => {
    const svc = one<Manifest>('Service');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'vigil' });
    expect(svc.spec.ports[0].port).toBe(9867);
  });

  it('the rules ConfigMap is rules/library, regenerated (npm run manifests:rules)', () => {
    expect(readFileSync(join(dir, 'configmap-rules.yaml'), 'utf8')).toBe(rulesConfigMapYaml(join(repo, 'rules/library')));
    expect(Object.keys((one<Manifest>('ConfigMap').data as object)).length).toBeGreaterThan(0);
  });

  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!promtool) console.warn('[vigil] promtool not installed: PrometheusRule expressions are not checked');
  it.skipIf(!promtool)('PrometheusRule groups pass `promtool check rules` and use only vigil/up/process metrics', () => {
    const rule = one<Manifest>('PrometheusRule');
    const tmp = mkdtempSync(join(tmpdir(), 'vigil-promrules-'));
    try {
      const file = join(tmp, 'rules.yaml');
      writeFileSync(file, stringify({ groups: rule.spec.groups }));
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const exprs = rule.spec.groups.flatMap((g: Manifest) => g.rules.map((x: Manifest) => String(x.expr)));
    expect(exprs.some((e: string) => e.includes('vigil_component_errors_total'))).toBe(true);
    expect(exprs.some((e: string) => e.includes('vigil_output_dropped_total'))).toBe(true);
    expect(exprs.some((e: string) => e.includes('up{'))).toBe(true);
  });
});
