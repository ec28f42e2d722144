/**
 * The node inventory behind vigil_node_info, taken once at start from the
 * kernel and os-release(5): os.* for kernel, arch, cores, memory and
 * hostname, /proc/cpuinfo for the cpu model. (systeminformation did this
 * before and cost ~10 MB of resident memory for six facts.) The label values
 * are fixed for the life of the agent.
 */
import { readFile } from 'node:fs/promises';
import { arch, availableParallelism, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';

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

/** The first `model name` of /proc/cpuinfo (x86), else `Hardware`/`Processor` (some ARM kernels); '' when none. */
export function parseCpuModel(cpuinfo: string): string {
  for (const key of ['model name', 'Hardware', 'Processor', 'cpu model']) {
    const m = new RegExp(`^${key}\\s*:\\s*(.+)$`, 'm').exec(cpuinfo);
    if (m?.[1]?.trim()) return m[1].trim();
  }
  return '';
}

/**
 * Kernel, cpu and memory are the node's from inside a pod too; distro and
 * hostname are the container image's and the pod's, so they are read from
 * the host's files under hostRoot (a DaemonSet mounts the node's / there).
 */
export function createSystemInventory(hostRoot: string): InventoryFn {
  return async () => {
    const osRelease = (await readOptional(join(hostRoot, 'etc/os-release'))) ?? (await readOptional(join(hostRoot, 'usr/lib/os-release')));
    const rel = osRelease === undefined ? {} : parseOsRelease(osRelease);
    const hostName = hostRoot === '/' ? undefined : (await readOptional(join(hostRoot, 'etc/hostname')))?.trim();
    return {
      os: rel.name ?? 'Linux',
      osRelease: rel.versionId ?? '',
      kernel: release(),
      arch: arch(),
      cpuModel: parseCpuModel((await readOptional('/proc/cpuinfo')) ?? ''),
      cpuCores: availableParallelism(),
      memoryBytes: totalmem(),
      hostname: hostName || hostname(),
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
