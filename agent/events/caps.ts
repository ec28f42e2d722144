/**
 * Capability names by bit, as libsinsp names them (sinsp_utils::caps_to_string,
 * userspace/libsinsp/utils.cpp in falcosecurity/libs 48dfd53cd23f): the names
 * are Falco's format of thread.cap_effective and thread.cap_permitted.
 */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

// A node has a handful of distinct masks (root, a container's default set, none).
const cache = new Map<number, string>();
const MAX_CACHED = 256;

/** The set bits' names in bit order, space separated; bits libsinsp does not name are left out, as it does. */
export function capsToString(mask: number): string {
  let s = cache.get(mask);
  if (s !== undefined) return s;
  const names: string[] = [];
  // Bit by division: masks reach bit 40, past the 32 bits of JS bitwise operators.
  let rest = mask;
  for (let i = 0; i < CAPABILITIES.length && rest > 0; i++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) names.push(CAPABILITIES[i]!);
  }
  s = names.join(' ');
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(mask, s);
  return s;
}
