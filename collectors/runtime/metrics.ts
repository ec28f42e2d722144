import { Gauge, type Registry } from 'prom-client';

function gauge(registry: Registry, name: string, help: string, label: string): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<string>;
  return new Gauge({ name, help, labelNames: [label], registers: [registry] });
}

/** vigil_runtime_up{runtime}: docker, containerd, cri-o, ... (the runtime's own name when it gave one). */
export function runtimeUpGauge(registry: Registry): Gauge<'runtime'> {
  return gauge(registry, 'vigil_runtime_up', 'Whether the container runtime API is reachable (1) or not (0).', 'runtime') as Gauge<'runtime'>;
}

/** vigil_metadata_source_up{source}: cri, docker, kubernetes. */
export function metadataSourceUpGauge(registry: Registry): Gauge<'source'> {
  return gauge(registry, 'vigil_metadata_source_up', 'Whether a metadata source (cri, docker, kubernetes) is configured and reachable (1) or not (0).', 'source') as Gauge<'source'>;
}
