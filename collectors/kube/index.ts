export { loadKubeApi, SERVICE_ACCOUNT_TOKEN, type KubeApiChoice } from './config.js';
export { KubeError, type KubeErrorCode } from './errors.js';
export { kubeGetter, type KubeGet } from './http.js';
export { createListWatch, type ListWatch, type ListWatchConfig, type ListWatchHandlers } from './list-watch.js';
export { resolveWorkload, controllerOf, type OwnerBook } from './owners.js';
export { NodePods, PeerIndex } from './pod-index.js';
export { OwnerMap, ownerBook } from './owner-book.js';
export { createKubeMetadata, KUBE_WATCH_DEFAULTS, type KubeMetadata, type KubeMetadataConfig } from './watcher.js';
export type { PeerMeta, PodJson, PodMeta, WorkloadRef } from './types.js';
