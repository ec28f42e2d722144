import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { gauge } from '../core/metrics.js';
import { createContainerCollector } from '../collectors/cgroups/index.js';
import type { CollectorDeps } from '../core/deps.js';
import { createExecWatcher } from '../collectors/exec/index.js';
import { createAuditSource } from '../collectors/audit/index.js';
import { createNodeCollector, DEFAULT_NODE_COLLECTOR_CONFIG } from '../collectors/node/index.js';
import { createHostScanner } from '../collectors/scan/index.js';
import { createPodAddressBook } from '../collectors/podnet/index.js';
import { createEdgeTracker, DEFAULT_PERSIST_INTERVAL_MS, peerIdentity } from './edges/index.js';
import { PeerNameHold } from './edges/peer-hold.js';
import { isDescribed, podConnectionLookups, refreshPodAddressesOnScan } from './edges/pod-wiring.js';
import { catalogFor, createRuleEngine, createRulesWatcher, procReadNeeds, type VigilEvent } from '../rules/index.js';
import { NO_DETAIL_NEEDS, type ProcDetailNeeds } from '../collectors/procfs/index.js';
import type { Component } from '../core/component.js';
import { createComponentSet } from './components.js';
import type { AgentConfig } from './config/schema.js';
import type { HostPort } from './config/values.js';
import { createErrorReporter } from '../core/error-reporter.js';
import { createPushOutputs } from './delivery/push-outputs.js';
import { AuditedConnections, auditPlanFor, wireEvents } from './events/index.js';
import { createHttpServer } from './http/index.js';
import { createOutput, stdoutStream, type AlertOutput } from './outputs/index.js';
import { createHub, type Hub } from './delivery/hub.js';
import { createGrpcServer } from './grpc/server.js';
import { packageVersion } from './package-root.js';
import { outputHealthBoard } from './outputs/health.js';
import { createKubeComponent, createMetadataReport, holdCounter, resolveSockets } from './metadata.js';
import { createReadiness, type Readiness } from './readiness.js';
import { auditSourceCheck, execSourceCheck, fdHeadroomCheck, outputsCheck, procAccessCheck, rulesLoadedCheck, runtimeCheck } from './readiness-checks.js';
import { refuseBrokenRules, rulesReadinessDetail } from './rules-policy.js';

export interface AgentOptions {
  readonly log: Logger;
  /** Where alerts go; a non-blocking stream on fd 1 by default. */
  readonly stdout?: Writable;
  /** Colour the pretty output (the CLI passes process.stdout.isTTY). */
  readonly color?: boolean;
  readonly hostname?: string;
  /** How long one component may take to start before the next starts anyway. */
  readonly startTimeoutMs?: number;
}

export interface Agent {
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly deps: CollectorDeps;
  /** Every event and alert as envelopes: push outputs add their sinks here. */
  readonly hub: Hub;
  /** Resolves once every component was started (or failed, or was given up on as slow). */
  start(): Promise<void>;
  /** Stops every component in reverse order within `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
  /** Where /metrics is served, once started (the port resolved when 0 was asked). */
  metricsAddress(): HostPort | undefined;
  /** Where the gRPC event stream is served, once started. */
  grpcAddress(): HostPort | undefined;
}

const LINT_FAILING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * How often nodejs_eventloop_lag_* samples the loop. prom-client's default
 * (10 ms) wakes an idle agent 100 times a second, a visible share of its
 * idle CPU (bench/foundation measures it); every sample still records how late its timer fired to
 * the nanosecond, so stalls of a scan or a GC pause show just the same.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** How often a long-lived process's stat is re-read when netlink reports execs. */
const NETLINK_STAT_VERIFY_MS = 30_000;

/** The fixed times of the event layer; not user settings (yet). */
const EVENT_WIRING = { pendingInspectionMs: 3_000 } as const;

/**
 * Builds the agent from its config: deps, outputs, collectors, the event
 * layer and the HTTP listener, started in that order (HTTP last, so
 * /readyz answers only once there is something to be ready about) and
 * stopped in reverse. The single hook between collectors and rules is
 * `wireEvents` (agent/events/), fed into `onEvent` below.
 */
export function createAgent(config: AgentConfig, opts: AgentOptions): Agent {
  const log = opts.log;
  const registry = new Registry();
  // process_* and nodejs_* metrics: what every Node.js dashboard expects. Three
  // of prom-client's are gauges named *_total, which `promtool check metrics`
  // rejects; they duplicate process.getActiveResourcesInfo() and are dropped.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const name of LINT_FAILING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  gauge(registry, {
    name: 'vigil_build_info',
    help: 'Always 1; labels carry the vigil and Node.js versions.',
    labelNames: ['version', 'nodejs'] as const,
  }).set({ version: packageVersion(), nodejs: process.version }, 1);

  const errors = createErrorReporter(log, registry);
  const deps: CollectorDeps = { log, registry, errors };
  // A child logger naming the component, for components that do not make their own
  // (exec and rules do: a second binding would print "component" twice).
  const sub = (component: string): CollectorDeps => ({ ...deps, log: log.child({ component }) });
  const readiness = createReadiness();
  const hostname = opts.hostname ?? osHostname();

  const output: AlertOutput = createOutput(sub('output'), {
    kind: config.output,
    stream: opts.stdout ?? stdoutStream(),
    maxQueue: config.outputMaxQueue,
    color: opts.color ?? false,
  });

  const passwdPath = join(config.hostEtc, 'passwd');
  // environ, loginuid and host processes' status are read only while a loaded rule uses them.
  let procNeeds: ProcDetailNeeds = NO_DETAIL_NEEDS;
  const needs = (): ProcDetailNeeds => procNeeds;
  // What the audit source saw of connections: the scan does not report them
  // again, and the netns TCP counters count them as observed.
  const auditedConnections = config.audit === 'off' ? undefined : new AuditedConnections();
  const scanner = createHostScanner(sub('host-scanner'), {
    procRoot: config.hostProc,
    passwdPath,
    maxCmdlineBytes: config.maxCmdlineBytes,
    hostRoot: config.hostRoot,
    scanIntervalMs: config.scanIntervalMs,
    sockDiag: true,
    needs,
    // With netlink exec events, every exec is seen as it happens and every exit
    // by the scan's readdir; re-reading long-lived processes' stat only guards
    // against lost events, so it can be rare. Polling must catch exec in place.
    statVerifyMs: () => (exec.mode === 'netlink' ? NETLINK_STAT_VERIFY_MS : 4 * config.scanIntervalMs),
    ...(auditedConnections ? { openedElsewhere: (netns: number) => auditedConnections.drainOpens(netns) } : {}),
  });
  // Metadata: the CRI runtime and/or the Docker engine name containers and
  // pods; the API watch adds owners, labels and the cluster's pod IPs.
  const sockets = resolveSockets(config);
  const containers = createContainerCollector(sub('containers'), {
    cgroupRoot: config.hostCgroup,
    procRoot: config.hostProc,
    ...(sockets.docker ? { dockerSocket: sockets.docker } : {}),
    ...(sockets.cri ? { criSocket: sockets.cri } : {}),
    criPollIntervalMs: config.criPollIntervalMs,
    resyncIntervalMs: config.containerResyncIntervalMs,
  });
  const kube = createKubeComponent(sub('kubernetes'), {
    mode: config.kubeApi,
    ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
    nodeName: config.nodeName ?? hostname,
    maxPods: config.kubeMaxPods,
  });
  const pods = (uid: string) => kube.pod(uid);
  const metadataReport = createMetadataReport(sub('metadata'), () => containers.sources, kube, readiness);
  const onHold = holdCounter(deps);
  const node = createNodeCollector(sub('node'), {
    ...DEFAULT_NODE_COLLECTOR_CONFIG,
    procRoot: config.hostProc,
    hostRoot: config.hostRoot,
    sampleIntervalMs: config.sampleIntervalMs,
  });
  const exec = createExecWatcher(deps, {
    procRoot: config.hostProc,
    passwdPath,
    maxCmdlineBytes: config.maxCmdlineBytes,
    mode: config.execMode,
    pollIntervalMs: config.execPollIntervalMs,
    reinspectDelaysMs: [50, 250],
    needs,
  });

  // Kernel audit (docs/audit.md): syscall events for what the rules need. The event layer
  // (agent/events/audit-*.ts) subscribes to it and the plan follows the loaded rules'
  // evt.type index (audit.setPlan on every load); with no plan vigil adds no audit rule.
  const audit = createAuditSource(sub('audit'), { mode: config.audit, backlogLimit: config.auditBacklogLimit, rateLimit: config.auditRateLimit });
  // Whether the audit source's events can come: rules on its event types count as
  // active only then (until `auto` finds the kernel unwilling: the rules are recounted).
  let auditing = config.audit !== 'off';

  // Pod connections: which local pod owns an address, refreshed on every scan
  // before the event layer turns that scan's sockets into connect/accept events
  // (onScan listeners run in subscription order, and this one subscribes first).
  const addresses = createPodAddressBook({ procRoot: config.hostProc }, errors);
  const edges = createEdgeTracker(
    sub('edges'),
    {
      baselinePath: config.baselinePath,
      learningWindowMs: config.learningWindowMs,
      clusterCidrs: config.clusterCidrs,
      maxEdges: config.maxEdges,
      persistIntervalMs: DEFAULT_PERSIST_INTERVAL_MS,
    },
    podConnectionLookups(containers, addresses, {
      pods,
      peerIdentity: (ip) => {
        const p = kube.peer(ip);
        return p ? peerIdentity(p) : undefined;
      },
    }),
  );
  refreshPodAddressesOnScan(scanner, addresses, () => edges.invalidate());

  // Collectors → events → engine → output: the engine never sees an output,
  // only this callback; the output counts its own drops.
  let enabledRules: number | undefined;
  // Every event and alert also becomes an envelope (gRPC subscribers, push outputs).
  const hub = createHub(deps, { node: hostname, ringSize: config.grpcRingSize });
  // Push outputs (outputs: in the config), each spooled on disk, take what the hub publishes.
  const pushOutputs = createPushOutputs(sub('push-output'), config.outputs, {
    spoolDir: config.spoolDir,
    maxQueue: config.outputMaxQueue,
    node: hub.node,
    bootId: hub.bootId,
  });
  for (const o of pushOutputs) hub.addSink(o);
  const engine = createRuleEngine({ registry, hostname }, (alert, event, layout) => {
    output.emit(alert);
    hub.publishAlert(alert, event, layout);
  });
  const rulesConfig = { paths: config.rules, debounceMs: config.rulesDebounceMs, ruleMatching: config.ruleMatching, onError: config.rulesOnError };
  const rules = createRulesWatcher(deps, { ...rulesConfig, catalog: () => catalogFor(auditing) }, (loaded) => {
    engine.swap(loaded.ruleSet);
    const n = procReadNeeds(loaded.ruleSet);
    procNeeds = { hostStatus: n.capabilities, loginuid: n.loginuid, env: n.env };
    if (auditing) audit.setPlan(auditPlanFor(loaded.ruleSet.rules));
    enabledRules = loaded.ruleSet.rules.length;
    readiness.detail(rules.name, rulesReadinessDetail(loaded));
  });
  let eventNumber = 0;
  const toEngine = (e: VigilEvent): void => {
    try {
      const event = { ...edges.annotate(e), num: ++eventNumber };
      // The event's envelope first, so it is numbered before the alerts it raises.
      hub.publishEvent(event);
      engine.process(event);
    } catch (err) {
      // One bad event must not stop the next one.
      errors.report('rules', 'process', err);
    }
  };
  // A connection whose peer is a local pod the runtime has not named yet
  // waits for that name (as long as any event waits for its metadata), so
  // both ends carry the same workload identity.
  const described = (id: string): boolean => isDescribed(containers, id);
  const peerHold = new PeerNameHold(toEngine, config.metadataHoldMs, (e) => {
    const fd = e.fd;
    const ip = (fd?.direction ? fd.direction === 'out' : e.type === 'connect') ? fd?.sip : fd?.cip;
    if (ip === undefined) return undefined;
    const owner = addresses.owner(ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
    if (!owner || owner.host || owner.containerIds.length === 0 || owner.containerIds.some(described)) return undefined;
    return owner.containerIds[0];
  });
  containers.onChange(({ kind, container }) => {
    if (kind === 'removed' || described(container.id)) peerHold.described(container.id);
  });
  const onEvent = (e: VigilEvent): void => peerHold.push(e);

  // The event layer subscribes before the collectors start, so it sees their first scans.
  let unwire: (() => void) | undefined;
  const events: Component = {
    name: 'events',
    async start() {
      unwire ??= wireEvents({ scanner, containers, exec, node, ...(config.audit !== 'off' ? { audit } : {}) }, onEvent, errors, {
        hostname,
        procRoot: config.hostProc,
        fsPredictWindowMs: config.fsPredictWindowMs,
        enrichmentWaitMs: config.metadataHoldMs,
        pods,
        onHold,
        ...(auditedConnections ? { auditedConnections } : {}),
        ...EVENT_WIRING,
      });
    },
    async stop() {
      unwire?.();
      unwire = undefined;
      peerHold.close();
    },
  };

  // What /readyz checks beyond "every component started": see readiness-checks.ts.
  const board = outputHealthBoard(registry);
  if (output.health) board.add(config.output, () => output.health!());
  for (const o of pushOutputs) board.add(o.name.replace(/^output\./, ''), () => o.health());
  readiness.check(
    'exec_source',
    execSourceCheck(exec, () => !readiness.status().pending.some((p) => p.name === exec.name)),
  );
  readiness.check('audit', auditSourceCheck(audit, config.audit === 'on'));
  readiness.check('proc_access', procAccessCheck({ procRoot: config.hostProc }));
  readiness.check(
    'rules_loaded',
    rulesLoadedCheck(() => enabledRules),
  );
  readiness.check('outputs', outputsCheck(board));
  readiness.check('fd_headroom', fdHeadroomCheck());
  readiness.check('runtime', runtimeCheck(registry, { docker: config.dockerSocket }));

  const http = createHttpServer(sub('http'), {
    addr: config.metricsAddr,
    readiness,
    metricsMinIntervalMs: config.metricsMinIntervalMs,
    limits: {
      maxConnections: config.httpMaxConnections,
      maxPipelined: config.httpMaxPipelined,
      maxRequestsPerConnection: config.httpMaxRequestsPerConnection,
      maxBufferedBytes: config.httpMaxBufferedBytes,
      maxHeaderBytes: config.httpMaxHeaderBytes,
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
    },
    tls:
      config.metricsTlsCertFile !== undefined && config.metricsTlsKeyFile !== undefined
        ? { certFile: config.metricsTlsCertFile, keyFile: config.metricsTlsKeyFile, clientCaFile: config.metricsTlsClientCaFile }
        : undefined,
  });
  const grpc = createGrpcServer(sub('grpc'), {
    addr: config.grpcAddr,
    hub,
    maxQueue: config.grpcSubscriberQueue,
    maxSubscribers: config.grpcMaxSubscribers,
    tls: config.grpcTlsCert && config.grpcTlsKey ? { certFile: config.grpcTlsCert, keyFile: config.grpcTlsKey, clientCaFile: config.grpcTlsClientCa } : undefined,
  });
  // `auto` on a kernel that will not audit: the rules that only audit events fire are recounted as never firing.
  const auditComponent: Component = {
    name: audit.name,
    async start(signal) {
      try {
        await audit.start(signal);
      } finally {
        const mode = audit.status().mode;
        if (auditing && (mode === 'off' || mode === 'failed')) {
          auditing = false;
          rules.refresh();
        }
      }
    },
    stop: () => audit.stop(),
  };
  const components: Component[] = [output, ...pushOutputs, grpc, rules, edges, events, kube, containers, metadataReport, scanner, exec, auditComponent, node, http];
  const set = createComponentSet(components, { log, errors, readiness, startTimeoutMs: opts.startTimeoutMs ?? 15_000 });
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  return {
    registry,
    readiness,
    deps,
    hub,
    metricsAddress: () => http.address(),
    grpcAddress: () => grpc.address(),
    start() {
      // --rules-on-error fail: refuse before any component starts (rejects with RulesRefusedError).
      starting ??= refuseBrokenRules(rulesConfig, sub('rules')).then(() => set.startAll());
      return starting;
    },
    stop(timeoutMs = 1500) {
      stopping ??= set.stopAll(timeoutMs);
      return stopping;
    },
  };
}
