/**
 * The CRI messages as @grpc/proto-loader hands them over (keepCase, longs as
 * strings, enums as names, defaults filled in), for the fields vigil reads.
 */
export type StringMap = Record<string, string>;

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface NamespaceOption {
  network: 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
  pid: string;
  ipc: string;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  created_at: string;
  labels: StringMap;
  annotations: StringMap;
}

export interface PodSandboxStatus extends PodSandbox {
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}
export interface ImageSpec {
  image: string;
  user_specified_image?: string;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  created_at: string;
  labels: StringMap;
  annotations: StringMap;
}

export interface Mount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: Container['state'];
  created_at: string;
  started_at: string;
  image: ImageSpec | null;
  image_ref: string;
  labels: StringMap;
  annotations: StringMap;
  mounts?: Mount[];
}

export interface ContainerEvent {
  container_id: string;
  container_event_type: 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';
  created_at: string;
  pod_sandbox_status: PodSandboxStatus | null;
  containers_statuses: ContainerStatus[];
}

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}
