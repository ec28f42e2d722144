import type { ContainerMount, PodBasics } from '../model.js';

/**
 * What a runtime (Docker engine or CRI) knows about one container that its
 * cgroup does not. One shape for both, so the container collector merges
 * either the same way.
 */
export interface RuntimePodDetails extends PodBasics {
  /** The CRI sandbox id (the pause container's id). */
  readonly sandboxId?: string;
  /** The CNI result the runtime recorded (containerd's verbose status), as JSON text. */
  readonly cniJson?: string;
}

export interface RuntimeContainerDetails {
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  /** `sha256:…` when the runtime gave a digest. */
  readonly imageDigest?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  /** The mounts the runtime made (absent when it did not say). */
  readonly mounts?: readonly ContainerMount[];
  readonly createdSec?: number;
  readonly startedSec?: number;
  readonly pid?: number;
  /** Docker's HostConfig.NetworkMode: `container:<id>` means another container's netns. */
  readonly networkMode?: string;
  /** Given by CRI runtimes; the Docker engine only has the kubelet's labels. */
  readonly pod?: RuntimePodDetails & { readonly container: string };
}

export type InspectResult = { readonly kind: 'found'; readonly details: RuntimeContainerDetails } | { readonly kind: 'not-found' } | { readonly kind: 'unavailable' };

/**
 * A runtime the container collector asks about containers (Docker engine,
 * CRI runtime). Reachability is a state, retried by the source itself.
 */
export interface MetadataSource {
  /** `docker` or `cri`: the label of vigil_metadata_source_up. */
  readonly source: 'docker' | 'cri';
  readonly up: boolean;
  /** Human description for the start log (socket, runtime name and version). */
  describe(): string;
  start(): Promise<void>;
  stop(): void;
  inspect(id: string): Promise<InspectResult>;
  /** Called each time the runtime becomes reachable (again). Returns unsubscribe. */
  onUp(listener: () => void): () => void;
  /** Called with a container id whose metadata appeared or changed (event stream or poll). */
  onContainer?(listener: (id: string) => void): () => void;
}
