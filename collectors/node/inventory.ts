/**
 * The node inventory behind vigil_node_info, taken once at start with
 * systeminformation. It can take a while (it may spawn helpers), so it runs
 * in the background; the label values are fixed for the life of the agent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** NAME / VERSION_ID of an os-release(5) file. */
export function parseOsRelease(text: string): { name?: string; versionId?: string } {
  const out: { name?: string; versionId?: string } = {};
  for (const line of text.split('\n')) {
    const m = /^(NAME|VERSION_ID)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const v = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
    if (m[1] === 'NAME') out.name = v;
    else out.versionId = v;
  }
  return out;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * systeminformation describes the system it runs on: inside a DaemonSet pod
 * that is the container image's distro and the pod's hostname. Kernel, cpu
 * and memory are the node's anyway; distro and hostname are taken from the
 * host's files under hostRoot when it is not '/'.
 */
export function createSystemInventory(hostRoot: string): InventoryFn {
  return async () => {
    const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
    const inv = {
      os: os.distro,
      osRelease: os.release,
      kernel: os.kernel,
      arch: os.arch,
      cpuModel: [cpu.manufacturer, cpu.brand].filter((s) => s !== '').join(' '),
      cpuCores: cpu.cores,
      memoryBytes: mem.total,
      hostname: os.hostname,
    };
    if (hostRoot === '/') return inv;
    const osRelease = (await readOptional(join(hostRoot, 'etc/os-release'))) ?? (await readOptional(join(hostRoot, 'usr/lib/os-release')));
    const hostname = (await readOptional(join(hostRoot, 'etc/hostname')))?.trim();
    const rel = osRelease === undefined ? {} : parseOsRelease(osRelease);
    return {
      ...inv,
      ...(rel.name ? { os: rel.name } : {}),
      ...(rel.versionId ? { osRelease: rel.versionId } : {}),
      ...(hostname ? { hostname } : {}),
    };
  };
}

export const systemInventory: InventoryFn = createSystemInventory('/');

/** Label names of vigil_node_info, in output order. */
export const NODE_INFO_LABELS = ['os', 'os_release', 'kernel', 'arch', 'cpu_model', 'cpu_cores', 'memory_bytes', 'hostname'] as const;

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
