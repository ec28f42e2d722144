/**
 * The node inventory behind vigil_node_info, taken once at start with
 * systeminformation. It can take a while (it may spawn helpers), so it runs
 * in the background; the label values are fixed for the life of the agent.
 */
import si from 'systeminformation';

export interface NodeInventory {
  readonly os: string;
  readonly osRelease: string;
  readonly kernel: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  readonly hostname: string;
}

export type InventoryFn = () => Promise<NodeInventory>;

export const systemInventory: InventoryFn = async () => {
  const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
  return {
    os: os.distro,
    osRelease: os.release,
    kernel: os.kernel,
    arch: os.arch,
    cpuModel: [cpu.manufacturer, cpu.brand].filter((s) => s !== '').join(' '),
    cpuCores: cpu.cores,
    memoryBytes: mem.total,
    hostname: os.hostname,
  };
};

/** Label names of vigil_node_info, in output order. */
export const NODE_INFO_LABELS = [
  'os', 'os_release', 'kernel', 'arch', 'cpu_model', 'cpu_cores', 'memory_bytes', 'hostname',
] as const;

export function inventoryLabels(inv: NodeInventory): Record<(typeof NODE_INFO_LABELS)[number], string> {
  return {
    os: inv.os,
    os_release: inv.osRelease,
    kernel: inv.kernel,
    arch: inv.arch,
    cpu_model: inv.cpuModel,
    cpu_cores: String(inv.cpuCores),
    memory_bytes: String(inv.memoryBytes),
    hostname: inv.hostname,
  };
}
