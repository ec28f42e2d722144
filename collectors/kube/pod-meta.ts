import type { PodJson } from './types.js';

/** A pod's IPs, primary (status.podIP) first. */
export function podIps(p: PodJson): string[] {
  const ips: string[] = [];
  if (p.status?.podIP) ips.push(p.status.podIP);
  for (const x of p.status?.podIPs ?? []) if (x.ip && !ips.includes(x.ip)) ips.push(x.ip);
  return ips;
}
