import { existsSync } from 'node:fs';
import { kubeGetter, type KubeGet } from './http.js';

/** The service-account token the kubelet mounts into every pod that has one. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type KubeApiChoice =
  | { readonly api: { readonly server: string; readonly get: KubeGet; readonly via: string }; readonly reason?: undefined }
  | { readonly api?: undefined; readonly reason: string };

/**
 * Where the API is: the given kubeconfig, else the in-cluster service
 * account, else none (with the reason, for the log and /readyz).
 * @kubernetes/client-node is loaded only when an API is to be used: it is
 * big, and a plain Docker host never needs it.
 */
export async function loadKubeApi(mode: 'auto' | 'off', kubeconfig: string | undefined, tokenPath = SERVICE_ACCOUNT_TOKEN): Promise<KubeApiChoice> {
  if (mode === 'off') return { reason: 'kubeApi is off' };
  if (!kubeconfig && !existsSync(tokenPath)) return { reason: 'no kubeconfig given and no service-account token in this pod' };
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromCluster();
    const { server, get } = kubeGetter(kc);
    if (server.includes('undefined')) return { reason: 'in a pod without KUBERNETES_SERVICE_HOST/PORT' };
    return { api: { server, get, via: kubeconfig ? `kubeconfig ${kubeconfig}` : 'in-cluster service account' } };
  } catch (err) {
    return { reason: `cannot load ${kubeconfig ? `kubeconfig ${kubeconfig}` : 'in-cluster config'}: ${(err as Error).message}` };
  }
}
