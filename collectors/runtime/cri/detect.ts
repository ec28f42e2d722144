import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The CRI sockets of the usual runtimes, in the order they are tried. Docker
 * itself speaks no CRI: on a Docker node the kubelet talks to cri-dockerd,
 * and plain Docker hosts are named through the engine API instead.
 */
export const CRI_SOCKET_CANDIDATES: readonly { readonly runtime: string; readonly path: string }[] = [
  { runtime: 'containerd', path: '/run/containerd/containerd.sock' },
  { runtime: 'containerd', path: '/var/run/containerd/containerd.sock' },
  { runtime: 'k3s', path: '/run/k3s/containerd/containerd.sock' },
  { runtime: 'cri-o', path: '/run/crio/crio.sock' },
  { runtime: 'cri-o', path: '/var/run/crio/crio.sock' },
  { runtime: 'cri-dockerd', path: '/run/cri-dockerd.sock' },
  { runtime: 'cri-dockerd', path: '/var/run/cri-dockerd.sock' },
];

/**
 * The first candidate that is a unix socket under `hostRoot` (in a pod the
 * host's / is mounted at /host/root, and the DaemonSet mounts the sockets
 * there too). Undefined when none is.
 */
export function detectCriSocket(hostRoot: string, candidates = CRI_SOCKET_CANDIDATES): { runtime: string; path: string } | undefined {
  for (const c of candidates) {
    const path = join(hostRoot, c.path);
    try {
      if (statSync(path).isSocket()) return { runtime: c.runtime, path };
    } catch {
      // absent: try the next one
    }
  }
  return undefined;
}
