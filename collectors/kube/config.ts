import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kubeGetter, type KubeGet } from './http.js';
import { inClusterGetter, SERVICE_ACCOUNT_DIR } from './in-cluster.js';

export type KubeApiChoice =
  | { readonly api: { readonly server: string; readonly get: KubeGet; readonly via: string }; readonly reason?: undefined }
  | { readonly api?: undefined; readonly reason: string };

/** Where the kubelet tells a pod its API server is (KUBERNETES_SERVICE_HOST/PORT). */
export interface InClusterEnv {
  readonly host?: string;
  readonly port?: string;
}

/**
 * Where the API is: the given kubeconfig (loaded by @kubernetes/client-node,
 * imported only then), else the in-cluster service account, else none (with
 * the reason, for the log and /readyz).
 */
export async function loadKubeApi(mode: 'auto' | 'off', kubeconfig: string | undefined, env: InClusterEnv = {}, serviceAccountDir = SERVICE_ACCOUNT_DIR): Promise<KubeApiChoice> {
  if (mode === 'off') return { reason: 'kubeApi is off' };
  if (kubeconfig) {
    try {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const { server, get } = kubeGetter(kc);
      return { api: { server, get, via: `kubeconfig ${kubeconfig}` } };
    } catch (err) {
      return { reason: `cannot load kubeconfig ${kubeconfig}: ${(err as Error).message}` };
    }
  }
  if (!existsSync(join(serviceAccountDir, 'token'))) return { reason: 'no kubeconfig given and no service-account token in this pod' };
  if (!env.host || !env.port) return { reason: 'in a pod without KUBERNETES_SERVICE_HOST/PORT' };
  try {
    const { server, get } = inClusterGetter(env.host, env.port, serviceAccountDir);
    return { api: { server, get, via: 'in-cluster service account' } };
  } catch (err) {
    return { reason: `cannot load the in-cluster service account: ${(err as Error).message}` };
  }
}
