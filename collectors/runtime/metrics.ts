import type { Gauge, Registry } from 'prom-client';
import { gauge } from '../../core/metrics.js';

/** vigil_runtime_up{runtime}: docker, containerd, cri-o, ... (the runtime's own name when it gave one). */
export function runtimeUpGauge(registry: Registry): Gauge<'runtime'> {
  return gauge(registry, { name: 'vigil_runtime_up', help: 'Whether the container runtime API is reachable (1) or not (0).', labelNames: ['runtime'] });
}

/** vigil_metadata_source_up{source}: cri, docker, kubernetes. */
export function metadataSourceUpGauge(registry: Registry): Gauge<'source'> {
  return gauge(registry, {
    name: 'vigil_metadata_source_up',
    help: 'Whether a metadata source (cri, docker, kubernetes) is configured and reachable (1) or not (0).',
    labelNames: ['source'],
  });
}
