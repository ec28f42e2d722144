import { plain } from './helpers.js';
import type { FieldDef } from './types.js';

/** vigil's own: the workload-to-workload edge a connect/accept event is (rules/event.ts EdgeFields). */
export const edgeFields: readonly FieldDef[] = [
  plain('edge.src', 'string', 'Connecting side: ns/kind/workload/container, host, or ip:ADDR.', (e) => e.edge?.src, { vigil: true }),
  plain('edge.dst', 'string', 'Accepting side, same forms; external:ADDR outside the cluster.', (e) => e.edge?.dst, { vigil: true }),
  plain('edge.port', 'number', 'Destination port of the edge.', (e) => e.edge?.port, { vigil: true }),
  plain('edge.proto', 'string', 'tcp or udp.', (e) => e.edge?.proto, { vigil: true }),
  plain('edge.key', 'string', 'src -> dst:port/proto, the unit of allowlists and of the baseline.', (e) => e.edge?.key, { vigil: true }),
  plain('edge.learning', 'bool', 'True while the connection baseline is still learning.', (e) => e.edge?.learning, { vigil: true }),
  plain('edge.new', 'bool', 'True when learning is over and the baseline does not hold this edge.', (e) => e.edge?.isNew, { vigil: true }),
  plain('edge.external', 'bool', 'The peer is outside every cluster CIDR.', (e) => e.edge?.external, { vigil: true }),
];
