import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { OutputConfig } from '../delivery/output-config.js';
import type { HostPort, Kind } from './values.js';

/**
 * THE config schema: one row per setting. Flags, VIGIL_* env vars, the YAML
 * config file (camelCase keys), `vigil agent --help` and the README's
 * configuration table are all generated from this table, so they cannot
 * drift apart. Precedence: flag > env > file > default.
 */
export interface OptionSpec {
  /** camelCase key: the config file key and the path in error messages. */
  readonly key: string;
  readonly kind: Kind;
  /** Shown in help/README; `default` computes the value when it depends on the install. */
  readonly defaultText: string;
  readonly default?: () => unknown;
  readonly env: string;
  readonly flag: string;
  /** Metavar in help: `--scan-interval-ms N`. */
  readonly arg: string;
  readonly help: string;
  /** False for settings that cannot sit in the file itself (the file's own path). */
  readonly inFile?: false;
  /** May be repeated on the command line (lists). */
  readonly repeatable?: true;
  /** No default: the setting is simply absent unless given. */
  readonly optional?: true;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const OPTIONS = [
  {
    key: 'config',
    kind: { type: 'path' },
    defaultText: '(none)',
    env: 'VIGIL_CONFIG',
    flag: 'config',
    arg: 'FILE',
    help: 'YAML config file with camelCase keys (e.g. `scanIntervalMs: 2000`); unknown keys are errors.',
    inFile: false,
  },
  {
    key: 'rules',
    kind: { type: 'list' },
    defaultText: '<package>/rules/library',
    default: () => [join(packageRoot(), 'rules', 'library')],
    env: 'VIGIL_RULES',
    flag: 'rules',
    arg: 'PATH',
    repeatable: true,
    help: 'Rule file or directory; repeat the flag, or separate with `,` or `:` in env. Hot reloaded.',
  },
  {
    key: 'output',
    kind: { type: 'enum', values: ['pretty', 'json', 'none'] },
    defaultText: 'pretty',
    default: () => 'pretty',
    env: 'VIGIL_OUTPUT',
    flag: 'output',
    arg: 'pretty|json|none',
    help: 'Alerts on stdout: one human line, one Falco-shaped JSON object per line, or nothing.',
  },
  {
    key: 'outputMaxQueue',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    defaultText: '10000',
    default: () => 10_000,
    env: 'VIGIL_OUTPUT_MAX_QUEUE',
    flag: 'output-max-queue',
    arg: 'N',
    help: 'Alerts buffered while stdout is slow; beyond that they are dropped and counted in vigil_output_dropped_total.',
  },
  {
    key: 'outputs',
    kind: { type: 'outputs' },
    defaultText: '(none)',
    default: () => [],
    env: 'VIGIL_OUTPUTS',
    flag: 'outputs',
    arg: 'YAML',
    help: 'Push outputs (file, http, syslog, alertmanager, nats), each with its own filter and on-disk spool: a YAML list, best kept in the config file. See README, Push outputs.',
  },
  {
    key: 'spoolDir',
    kind: { type: 'path' },
    defaultText: '/var/lib/vigil/spool',
    default: () => '/var/lib/vigil/spool',
    env: 'VIGIL_SPOOL_DIR',
    flag: 'spool-dir',
    arg: 'DIR',
    help: 'Where each push output keeps its spool (<dir>/<output name>/): events not yet delivered survive a restart.',
  },
  {
    key: 'metricsAddr',
    kind: { type: 'addr' },
    defaultText: '0.0.0.0:9867',
    default: () => ({ host: '0.0.0.0', port: 9867 }),
    env: 'VIGIL_METRICS_ADDR',
    flag: 'metrics-addr',
    arg: 'HOST:PORT',
    help: 'HTTP listener for /metrics, /healthz, /readyz. Port 0 picks a free port (logged).',
  },
  {
    key: 'metricsTlsCertFile', kind: { type: 'path' }, defaultText: '(none: plain HTTP)', optional: true,
    env: 'VIGIL_METRICS_TLS_CERT_FILE', flag: 'metrics-tls-cert-file', arg: 'FILE',
    help: 'PEM certificate (chain) for serving /metrics, /healthz, /readyz over HTTPS; needs metricsTlsKeyFile.',
  },
  {
    key: 'metricsTlsKeyFile', kind: { type: 'path' }, defaultText: '(none)', optional: true,
    env: 'VIGIL_METRICS_TLS_KEY_FILE', flag: 'metrics-tls-key-file', arg: 'FILE',
    help: 'PEM private key of metricsTlsCertFile.',
  },
  {
    key: 'metricsTlsClientCaFile', kind: { type: 'path' }, defaultText: '(none: no client certificates)', optional: true,
    env: 'VIGIL_METRICS_TLS_CLIENT_CA_FILE', flag: 'metrics-tls-client-ca-file', arg: 'FILE',
    help: 'PEM CA bundle: with HTTPS on, only clients presenting a certificate signed by it are served.',
  },
  {
    key: 'httpMaxConnections', kind: { type: 'int', min: 1, max: 10_000 }, defaultText: '32', default: () => 32,
    env: 'VIGIL_HTTP_MAX_CONNECTIONS', flag: 'http-max-connections', arg: 'N',
    help: 'Open connections the HTTP listener accepts; further ones are closed at once and counted in vigil_http_rejected_total.',
  },
  {
    key: 'httpMaxPipelined', kind: { type: 'int', min: 1, max: 1_000 }, defaultText: '4', default: () => 4,
    env: 'VIGIL_HTTP_MAX_PIPELINED', flag: 'http-max-pipelined', arg: 'N',
    help: 'Requests one connection may have waiting for their answers; a client that pipelines more is disconnected.',
  },
  {
    key: 'httpMaxRequestsPerConnection', kind: { type: 'int', min: 1, max: 1_000_000 }, defaultText: '1000', default: () => 1000,
    env: 'VIGIL_HTTP_MAX_REQUESTS_PER_CONNECTION', flag: 'http-max-requests-per-connection', arg: 'N',
    help: 'Requests served on one keep-alive connection before it is closed.',
  },
  {
    key: 'httpMaxBufferedBytes', kind: { type: 'int', min: 65_536, max: 1_073_741_824 }, defaultText: '33554432', default: () => 32 * 1024 * 1024,
    env: 'VIGIL_HTTP_MAX_BUFFERED_BYTES', flag: 'http-max-buffered-bytes', arg: 'N',
    help: 'Answer bytes all clients together may leave unread in the agent; a new request past it closes its connection.',
  },
  {
    key: 'httpMaxHeaderBytes', kind: { type: 'int', min: 1024, max: 1_048_576 }, defaultText: '8192', default: () => 8192,
    env: 'VIGIL_HTTP_MAX_HEADER_BYTES', flag: 'http-max-header-bytes', arg: 'N',
    help: 'Largest request head (request line and headers); larger ones get 431.',
  },
  {
    key: 'httpHeadersTimeoutMs', kind: { type: 'int', min: 100, max: 600_000 }, defaultText: '5000', default: () => 5000,
    env: 'VIGIL_HTTP_HEADERS_TIMEOUT_MS', flag: 'http-headers-timeout-ms', arg: 'N',
    help: 'Time a connection has to send a complete request head (also from connect, so idle connections are closed).',
  },
  {
    key: 'httpRequestTimeoutMs', kind: { type: 'int', min: 100, max: 600_000 }, defaultText: '10000', default: () => 10_000,
    env: 'VIGIL_HTTP_REQUEST_TIMEOUT_MS', flag: 'http-request-timeout-ms', arg: 'N',
    help: 'Time a whole request may take to arrive; must be above httpHeadersTimeoutMs.',
  },
  {
    key: 'httpKeepAliveTimeoutMs', kind: { type: 'int', min: 100, max: 600_000 }, defaultText: '5000', default: () => 5000,
    env: 'VIGIL_HTTP_KEEP_ALIVE_TIMEOUT_MS', flag: 'http-keep-alive-timeout-ms', arg: 'N',
    help: 'How long an idle keep-alive connection stays open between requests.',
  },
  {
    key: 'metricsMinIntervalMs', kind: { type: 'int', min: 0, max: 600_000 }, defaultText: '1000', default: () => 1000,
    env: 'VIGIL_METRICS_MIN_INTERVAL_MS', flag: 'metrics-min-interval-ms', arg: 'N',
    help: '/metrics is rendered at most once per this interval; scrapes within it, and concurrent ones, share one rendering.',
  },
  {
    key: 'grpcAddr',
    kind: { type: 'addr' },
    defaultText: '0.0.0.0:9868',
    default: () => ({ host: '0.0.0.0', port: 9868 }),
    env: 'VIGIL_GRPC_ADDR',
    flag: 'grpc-addr',
    arg: 'HOST:PORT',
    help: 'gRPC event stream (vigil.v1.EventService/Subscribe, health, reflection). Port 0 picks a free port (logged).',
  },
  {
    key: 'grpcRingSize',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    defaultText: '10000',
    default: () => 10_000,
    env: 'VIGIL_GRPC_RING_SIZE',
    flag: 'grpc-ring-size',
    arg: 'N',
    help: 'Recent envelopes kept in memory for subscribers resuming with since_sequence.',
  },
  {
    key: 'grpcSubscriberQueue',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    defaultText: '10000',
    default: () => 10_000,
    env: 'VIGIL_GRPC_SUBSCRIBER_QUEUE',
    flag: 'grpc-subscriber-queue',
    arg: 'N',
    help: 'Envelopes queued per slow subscriber; beyond that they are dropped, counted and announced to it by a loss notice.',
  },
  {
    key: 'grpcTlsCert',
    kind: { type: 'path' },
    defaultText: '(none: plaintext)',
    optional: true,
    env: 'VIGIL_GRPC_TLS_CERT',
    flag: 'grpc-tls-cert',
    arg: 'FILE',
    help: 'PEM certificate chain for TLS on the gRPC port (with grpcTlsKey); re-read when it changes.',
  },
  {
    key: 'grpcTlsKey',
    kind: { type: 'path' },
    defaultText: '(none)',
    optional: true,
    env: 'VIGIL_GRPC_TLS_KEY',
    flag: 'grpc-tls-key',
    arg: 'FILE',
    help: 'PEM private key of grpcTlsCert; re-read when it changes.',
  },
  {
    key: 'grpcTlsClientCa',
    kind: { type: 'path' },
    defaultText: '(none: no client certificates)',
    optional: true,
    env: 'VIGIL_GRPC_TLS_CLIENT_CA',
    flag: 'grpc-tls-client-ca',
    arg: 'FILE',
    help: 'PEM CA bundle: with it, subscribers must present a certificate it signed (mTLS); re-read when it changes.',
  },
  {
    key: 'hostProc',
    kind: { type: 'path' },
    defaultText: '/proc',
    default: () => '/proc',
    env: 'VIGIL_HOST_PROC',
    flag: 'host-proc',
    arg: 'DIR',
    help: "The host's /proc (in a pod: /host/proc).",
  },
  {
    key: 'hostCgroup',
    kind: { type: 'path' },
    defaultText: '/sys/fs/cgroup',
    default: () => '/sys/fs/cgroup',
    env: 'VIGIL_HOST_CGROUP',
    flag: 'host-cgroup',
    arg: 'DIR',
    help: "The host's cgroup hierarchy root (in a pod: /host/sys/fs/cgroup).",
  },
  {
    key: 'hostRoot',
    kind: { type: 'path' },
    defaultText: '/',
    default: () => '/',
    env: 'VIGIL_HOST_ROOT',
    flag: 'host-root',
    arg: 'DIR',
    help: "The host's root filesystem, for mounts and filesystem stats (in a pod: /host/root).",
  },
  {
    key: 'hostEtc',
    kind: { type: 'path' },
    defaultText: '/etc',
    default: () => '/etc',
    env: 'VIGIL_HOST_ETC',
    flag: 'host-etc',
    arg: 'DIR',
    help: "The host's /etc, for user names from passwd (in a pod: /host/etc).",
  },
  {
    key: 'dockerSocket',
    kind: { type: 'path' },
    defaultText: '/var/run/docker.sock',
    default: () => '/var/run/docker.sock',
    env: 'VIGIL_DOCKER_SOCKET',
    flag: 'docker-socket',
    arg: 'PATH',
    help: 'Docker API socket used to name Docker containers on plain Docker hosts (optional: a missing socket is retried); `none` turns it off.',
  },
  {
    key: 'criSocket',
    kind: { type: 'path' },
    defaultText: 'auto',
    default: () => 'auto',
    env: 'VIGIL_CRI_SOCKET',
    flag: 'cri-socket',
    arg: 'PATH|auto|none',
    help: 'CRI runtime socket that names pods and containers (containerd, CRI-O, k3s, cri-dockerd). `auto`: the first of the usual paths under hostRoot that is a socket; `none`: off.',
  },
  {
    key: 'criPollIntervalMs',
    kind: { type: 'int', min: 500, max: 3_600_000 },
    defaultText: '10000',
    default: () => 10_000,
    env: 'VIGIL_CRI_POLL_INTERVAL_MS',
    flag: 'cri-poll-interval-ms',
    arg: 'N',
    help: "Full relist of the CRI runtime's pods and containers (new containers are looked up as their cgroup appears, or from the runtime's event stream).",
  },
  {
    key: 'kubeApi',
    kind: { type: 'enum', values: ['auto', 'off'] },
    defaultText: 'auto',
    default: () => 'auto',
    env: 'VIGIL_KUBE_API',
    flag: 'kube-api',
    arg: 'auto|off',
    help: 'Watch the Kubernetes API for pod owners and the cluster-wide pod-IP index: `auto` uses `kubeconfig` when set, else the in-cluster service account, else runs without.',
  },
  {
    key: 'kubeconfig',
    kind: { type: 'path' },
    defaultText: '(none: in-cluster)',
    optional: true,
    env: 'VIGIL_KUBECONFIG',
    flag: 'kubeconfig',
    arg: 'FILE',
    help: 'kubeconfig file for the API watch (outside a cluster).',
  },
  {
    key: 'nodeName',
    kind: { type: 'string' },
    defaultText: '(the hostname)',
    optional: true,
    env: 'VIGIL_NODE_NAME',
    flag: 'node-name',
    arg: 'NAME',
    help: "This node's name in the API (spec.nodeName of its pods); set it from the downward API (spec.nodeName) in the DaemonSet.",
  },
  {
    key: 'kubeMaxPods',
    kind: { type: 'int', min: 100, max: 1_000_000 },
    defaultText: '50000',
    default: () => 50_000,
    env: 'VIGIL_KUBE_MAX_PODS',
    flag: 'kube-max-pods',
    arg: 'N',
    help: 'Largest cluster-wide pod-IP index; pods beyond it are left out and counted in vigil_kube_index_dropped_total.',
  },
  {
    key: 'metadataHoldMs',
    kind: { type: 'int', min: 0, max: 60_000 },
    defaultText: '2000',
    default: () => 2_000,
    env: 'VIGIL_METADATA_HOLD_MS',
    flag: 'metadata-hold-ms',
    arg: 'N',
    help: 'How long events of a container the runtime has not named yet are held for its metadata; then they go out as they are (vigil_metadata_hold_total{outcome="gave_up"}).',
  },
  {
    key: 'scanIntervalMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    defaultText: '2000',
    default: () => 2000,
    env: 'VIGIL_SCAN_INTERVAL_MS',
    flag: 'scan-interval-ms',
    arg: 'N',
    help: 'Period of the /proc process and socket scan.',
  },
  {
    key: 'sampleIntervalMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    defaultText: '15000',
    default: () => 15_000,
    env: 'VIGIL_SAMPLE_INTERVAL_MS',
    flag: 'sample-interval-ms',
    arg: 'N',
    help: 'Period of the node CPU, pressure and filesystem samples.',
  },
  {
    key: 'containerResyncIntervalMs',
    kind: { type: 'int', min: 100, max: 3_600_000 },
    defaultText: '60000',
    default: () => 60_000,
    env: 'VIGIL_CONTAINER_RESYNC_INTERVAL_MS',
    flag: 'container-resync-interval-ms',
    arg: 'N',
    help: 'Full re-walk of the cgroup tree, in case an inotify event was missed (a walk costs ~20 ms of CPU on a busy node).',
  },
  {
    key: 'execMode',
    kind: { type: 'enum', values: ['auto', 'netlink', 'poll'] },
    defaultText: 'auto',
    default: () => 'auto',
    env: 'VIGIL_EXEC_MODE',
    flag: 'exec-mode',
    arg: 'auto|netlink|poll',
    help: 'How new processes are seen: the netlink proc connector (needs CAP_NET_ADMIN, host network), /proc polling, or netlink falling back to polling.',
  },
  {
    key: 'execPollIntervalMs',
    kind: { type: 'int', min: 10, max: 60_000 },
    defaultText: '250',
    default: () => 250,
    env: 'VIGIL_EXEC_POLL_INTERVAL_MS',
    flag: 'exec-poll-interval-ms',
    arg: 'N',
    help: 'Period of the /proc poll for new pids when exec mode is poll.',
  },
  {
    key: 'maxCmdlineBytes',
    kind: { type: 'int', min: 256, max: 1_048_576 },
    defaultText: '4096',
    default: () => 4096,
    env: 'VIGIL_MAX_CMDLINE_BYTES',
    flag: 'max-cmdline-bytes',
    arg: 'N',
    help: 'Longest /proc/<pid>/cmdline read; longer ones are cut and marked truncated.',
  },
  {
    key: 'ruleMatching',
    kind: { type: 'enum', values: ['all', 'first'] },
    defaultText: 'all',
    default: () => 'all',
    env: 'VIGIL_RULE_MATCHING',
    flag: 'rule-matching',
    arg: 'all|first',
    help: "Alert for every rule an event matches, or only the first in file order (Falco's rule_matching: first).",
  },
  {
    key: 'rulesOnError',
    kind: { type: 'enum', values: ['fail', 'skip'] },
    defaultText: 'skip',
    default: () => 'skip',
    env: 'VIGIL_RULES_ON_ERROR',
    flag: 'rules-on-error',
    arg: 'fail|skip',
    help: 'Rule files with errors at start: fail refuses to start (as Falco); skip runs what compiled and names what was dropped (log, vigil_rules_loaded{state="dropped"}, /readyz). A broken reload always keeps the running rules.',
  },
  {
    key: 'rulesDebounceMs',
    kind: { type: 'int', min: 0, max: 60_000 },
    defaultText: '250',
    default: () => 250,
    env: 'VIGIL_RULES_DEBOUNCE_MS',
    flag: 'rules-debounce-ms',
    arg: 'N',
    help: 'Quiet time after a rule file changes before it is reloaded.',
  },
  {
    key: 'fsPredictWindowMs',
    kind: { type: 'int', min: 10_000, max: 604_800_000 },
    defaultText: '1800000',
    default: () => 1_800_000,
    env: 'VIGIL_FS_PREDICT_WINDOW_MS',
    flag: 'fs-predict-window-ms',
    arg: 'N',
    help: "Window of the linear fit behind fs.predict_full_seconds (the horizon is the rule's).",
  },
  {
    key: 'baselinePath',
    kind: { type: 'path' },
    defaultText: '(none: no learning)',
    optional: true,
    env: 'VIGIL_BASELINE_PATH',
    flag: 'baseline-path',
    arg: 'FILE',
    help: 'Where the learned pod-connection baseline is kept (e.g. /var/lib/vigil/baseline.json); unset, edge.new is never true.',
  },
  {
    key: 'learningWindowMs',
    kind: { type: 'int', min: 0, max: 2_592_000_000 },
    defaultText: '86400000',
    default: () => 86_400_000,
    env: 'VIGIL_LEARNING_WINDOW_MS',
    flag: 'learning-window-ms',
    arg: 'N',
    help: 'How long pod connections are learned, from the first start with a new baseline file.',
  },
  {
    key: 'clusterCidrs',
    kind: { type: 'list' },
    defaultText: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8',
    default: () => ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'],
    env: 'VIGIL_CLUSTER_CIDRS',
    flag: 'cluster-cidrs',
    arg: 'CIDR',
    repeatable: true,
    help: 'Pod and service ranges: a peer inside them is `ip:<addr>`, outside them `external:<addr>` (edge.external).',
  },
  {
    key: 'maxEdges',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    defaultText: '10000',
    default: () => 10_000,
    env: 'VIGIL_MAX_EDGES',
    flag: 'max-edges',
    arg: 'N',
    help: 'Largest learned baseline; further edges are counted in vigil_edges_dropped_total.',
  },
  {
    key: 'logLevel',
    kind: { type: 'enum', values: LOG_LEVELS },
    defaultText: 'info',
    default: () => 'info',
    env: 'VIGIL_LOG_LEVEL',
    flag: 'log-level',
    arg: 'LEVEL',
    help: `JSON log level on stderr: ${LOG_LEVELS.join(', ')}.`,
  },
] as const satisfies readonly OptionSpec[];

type Option = (typeof OPTIONS)[number];

type ValueOf<O> = O extends { kind: { type: 'int' } }
  ? number
  : O extends { kind: { type: 'enum'; values: readonly (infer V)[] } }
    ? V
    : O extends { kind: { type: 'addr' } }
      ? HostPort
      : O extends { kind: { type: 'list' } }
        ? readonly string[]
        : O extends { kind: { type: 'outputs' } }
          ? readonly OutputConfig[]
          : O extends { inFile: false }
            ? string | undefined
            : O extends { optional: true }
              ? string | undefined
              : string;

/** The frozen, typed result of parsing flags + env + file + defaults. */
export type AgentConfig = { readonly [O in Option as O['key']]: ValueOf<O> };
export type ConfigKey = Option['key'];
export type LogLevel = (typeof LOG_LEVELS)[number];

export function optionByKey(key: string): OptionSpec | undefined {
  return (OPTIONS as readonly OptionSpec[]).find((o) => o.key === key);
}
