import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCriClient, type CriClient } from '../../../collectors/runtime/cri/index.js';

/** The image the tests run, also the pod sandbox ("pause") image: its command stays up. */
export const CRI_TEST_IMAGE = 'docker.io/vigil-test/busybox:latest';

const BUILD_OCI = join(import.meta.dirname, '..', '..', 'images', 'build-oci-busybox.sh');

/**
 * containerd tests need root, Debian's containerd (with its CRI plugin),
 * runc and overlayfs. Without them they skip with a printed reason; under CI
 * (VIGIL_REQUIRE_INTEGRATION=1) a missing piece is a failure.
 */
export function containerdUnavailable(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = 'not Linux';
  else if (process.getuid?.() !== 0) reason = 'not root';
  else {
    for (const bin of ['containerd', 'ctr', 'runc', 'containerd-shim-runc-v2', 'busybox']) {
      try {
        execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
      } catch {
        reason = `${bin} not installed (apt-get install containerd runc busybox-static)`;
        break;
      }
    }
    if (!reason && !readFileSync('/proc/filesystems', 'utf8').includes('overlay')) reason = 'no overlayfs in this kernel';
  }
  if (reason && process.env.VIGIL_REQUIRE_INTEGRATION === '1') throw new Error(`containerd integration tests are mandatory here but cannot run: ${reason}`);
  if (reason) console.warn(`[vigil] skipping containerd integration tests: ${reason}`);
  return reason;
}

export interface CriPodSpec {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The pod's uid (random when absent), e.g. to describe the same pod in a test API server. */
  readonly uid?: string;
}

export interface CriPod {
  readonly sandboxId: string;
  readonly containerId: string;
  readonly uid: string;
  /** Date.now() just before StartContainer (bench/metadata measures from it). */
  readonly startedAtMs?: number;
}

export interface Containerd {
  readonly dir: string;
  readonly socket: string;
  readonly cri: CriClient;
  /** Creates a host-network pod sandbox and one container through the CRI API, as the kubelet does, and starts it. */
  runPod(spec: CriPodSpec): Promise<CriPod>;
  removePod(pod: CriPod): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private containerd: its own socket, root and state directories
 * under a temp dir, the overlayfs snapshotter, an empty CNI config dir (pods
 * use the host network), `restrict_oom_score_adj` (root here lacks
 * CAP_SYS_RESOURCE), and the busybox test image imported into the k8s.io
 * namespace, which is also the sandbox image.
 */
export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync('/tmp/vigil-containerd-');
  for (const d of ['root', 'state', 'cni-conf', 'cni-bin', 'logs']) mkdirSync(join(dir, d));
  const socket = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'config.toml'),
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  address = "${dir}/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${CRI_TEST_IMAGE}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${dir}/cni-bin"
    conf_dir = "${dir}/cni-conf"
`,
  );
  const child: ChildProcess = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    log = (log + c).slice(-20_000);
  });
  const deadline = Date.now() + 30_000;
  while (!isSocket(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`containerd did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tar = join(dir, 'busybox-oci.tar');
  execFileSync('bash', [BUILD_OCI, tar, CRI_TEST_IMAGE], { stdio: 'ignore' });
  execFileSync('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', tar], { stdio: 'ignore' });
  const cri = createCriClient(socket, 30_000);
  await cri.version();
  const pods = new Set<CriPod>();

  const removePod = async (pod: CriPod): Promise<void> => {
    pods.delete(pod);
    await cri.call('StopPodSandbox', { pod_sandbox_id: pod.sandboxId }).catch(() => undefined);
    await cri.call('RemovePodSandbox', { pod_sandbox_id: pod.sandboxId }).catch(() => undefined);
  };

  return {
    dir,
    socket,
    cri,
    async runPod(spec) {
      const uid = spec.uid ?? randomUUID();
      const hostNamespaces = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' };
      const sandboxConfig = {
        metadata: { name: spec.pod, uid, namespace: spec.namespace, attempt: 0 },
        // No hostname: in the host network the sandbox keeps the node's.
        log_directory: join(dir, 'logs', uid),
        labels: { ...spec.labels },
        annotations: { ...spec.annotations },
        // The kubelet's cgroupfs layout: the runtime puts the pod's containers under it.
        linux: { cgroup_parent: `/kubepods/besteffort/pod${uid}`, security_context: { namespace_options: hostNamespaces } },
      };
      const { pod_sandbox_id: sandboxId } = await cri.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config: sandboxConfig });
      const pod: CriPod = { sandboxId, containerId: '', uid };
      pods.add(pod);
      const { container_id: containerId } = await cri.call<{ container_id: string }>('CreateContainer', {
        pod_sandbox_id: sandboxId,
        sandbox_config: sandboxConfig,
        config: {
          metadata: { name: spec.container, attempt: 0 },
          image: { image: CRI_TEST_IMAGE },
          command: spec.command,
          log_path: `${spec.container}.log`,
          linux: { security_context: { namespace_options: hostNamespaces } },
        },
      });
      const startedAtMs = Date.now();
      await cri.call('StartContainer', { container_id: containerId });
      pods.delete(pod);
      const started = { sandboxId, containerId, uid, startedAtMs };
      pods.add(started);
      return started;
    },
    removePod,
    async stop() {
      for (const pod of [...pods]) await removePod(pod);
      cri.close();
      const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      // Anything still mounted under the private root (a snapshot of a pod that would not stop).
      try {
        const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })
          .split('\n')
          .filter((m) => m.startsWith(dir));
        for (const m of mounts.reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // nothing mounted
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function isSocket(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isSocket();
  } catch {
    return false;
  }
}
