import { describe, expect, it } from 'vitest';
import type { VigilEvent } from '../../../../rules/event.js';
import { bindField, fieldExists } from '../../../../rules/fields/index.js';

const get = (name: string, e: VigilEvent, arg?: string): unknown => {
  const f = bindField(name, arg);
  if (typeof f === 'string') throw new Error(f);
  return f.get(e);
};

const base = { type: 'execve', source: 'syscall', timeMs: 1 } as const;
const api: VigilEvent = {
  ...base,
  k8s: {
    ns: 'shop',
    podName: 'web-1',
    podUid: 'u-1',
    podLabels: { app: 'web' },
    podIp: '10.0.0.5',
    podIps: ['10.0.0.5'],
    cniJson: '{}',
    containerName: 'app',
    workloadKind: 'Deployment',
    workloadName: 'storefront',
    workloadSource: 'api',
    ownerKind: 'ReplicaSet',
    ownerName: 'web-6f7d',
  },
};

describe('k8s.* and k8smeta.* fields', () => {
  it("registers Falco's runtime and k8smeta names vigil can answer, and not the ones it cannot", () => {
    const provided = {
      runtime: ['k8s.pod.ip', 'k8s.pod.cni.json', 'k8s.workload.kind', 'container.image.digest'],
      k8smetaPod: ['k8smeta.pod.name', 'k8smeta.pod.uid', 'k8smeta.pod.label', 'k8smeta.pod.labels', 'k8smeta.pod.ip'],
      k8smetaOwners: ['k8smeta.ns.name', 'k8smeta.deployment.name', 'k8smeta.rs.name', 'k8smeta.rc.name'],
    };
    for (const f of Object.values(provided).flat()) expect(fieldExists(f), f).toBe(true);
    for (const f of ['k8smeta.svc.name', 'k8smeta.ns.uid', 'k8smeta.deployment.label']) expect(fieldExists(f), f).toBe(false);
  });

  it('reads the pod and its owners from the event', () => {
    expect(get('k8s.pod.ip', api)).toBe('10.0.0.5');
    expect(get('k8smeta.pod.name', api)).toBe('web-1');
    expect(get('k8smeta.pod.label', api, 'app')).toBe('web');
    expect(get('k8smeta.pod.labels', api)).toEqual(['app:web']);
    expect(get('k8smeta.deployment.name', api)).toBe('storefront');
    expect(get('k8smeta.rs.name', api)).toBe('web-6f7d');
    expect(get('k8s.workload.source', api)).toBe('api');
  });

  it('leaves the k8smeta owner fields unset when the workload was only guessed (Falco takes them from the API only)', () => {
    const guess: VigilEvent = { ...base, k8s: { ns: 'shop', podName: 'web-6f7d-x', workloadKind: 'Deployment', workloadName: 'web', workloadSource: 'guess' } };
    expect(get('k8s.workload.name', guess)).toBe('web');
    expect(get('k8smeta.deployment.name', guess)).toBeUndefined();
    expect(get('k8smeta.rs.name', guess)).toBeUndefined();
  });
});

describe('rules written for the k8smeta plugin', () => {
  it('load active when they use fields vigil answers, disabled (naming the field) when not', async () => {
    const { loadRuleTexts, summarize } = await import('../../../../rules/load.js');
    const text = `- required_plugin_versions:
  - name: k8smeta
    version: 0.1.0
- rule: Shell in a Deployment
  desc: k8smeta-style rule
  condition: evt.type = execve and proc.name = sh and k8smeta.deployment.name != "" and k8smeta.ns.name in (shop) and k8smeta.pod.label[app] = web
  output: shell in %k8smeta.deployment.name/%k8smeta.rs.name pod %k8smeta.pod.name (%k8smeta.pod.labels %k8smeta.pod.ip)
  priority: WARNING
- rule: Service-scoped
  desc: uses a field vigil does not watch
  condition: evt.type = execve and k8smeta.svc.name = front
  output: x
  priority: WARNING
`;
    const r = loadRuleTexts([{ path: 'k8smeta.yaml', text }], { fieldExists });
    expect(r.errors).toEqual([]);
    expect(summarize(r)).toBe('1 rules active, 1 disabled for missing fields, 0 disabled as never firing, 0 disabled by file');
    expect(r.rules.find((x) => x.name === 'Shell in a Deployment')?.enabled).not.toBe(false);
    expect(JSON.stringify(r.warnings)).toContain('k8smeta.svc.name');
  });
});
