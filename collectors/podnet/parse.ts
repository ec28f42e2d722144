import { decodeAddress } from '../netfs/index.js';

/**
 * The IPv4 addresses a network namespace owns, from its fib_trie: every leaf
 * with a `/32 host LOCAL` route. The kernel adds that route for each address
 * configured on an interface, and fib_trie is readable per netns through
 * /proc/<pid>/net without entering it. Loopback (127.0.0.0/8) is skipped: every
 * netns has it, so it never tells pods apart. The file lists the Main and Local
 * tables, so each address shows up twice; the result is deduplicated.
 */
export function parseFibTrieLocal(text: string): string[] {
  const out = new Set<string>();
  let leaf: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('|--')) {
      leaf = line.slice(3).trim();
      continue;
    }
    if (line.startsWith('+--') || line.endsWith(':')) {
      leaf = undefined; // an inner node or a new table: the next /32 belongs to a new leaf
      continue;
    }
    if (leaf !== undefined && /^\/32\s+host\s+LOCAL\b/.test(line) && isIpv4(leaf) && !leaf.startsWith('127.')) {
      out.add(leaf);
    }
  }
  return [...out];
}

/**
 * The IPv6 addresses of a netns from if_inet6:
 *   <32 hex address> <ifindex> <prefixlen> <scope> <flags> <ifname>
 * Only global-scope addresses (scope 00) identify a pod: loopback (10) and
 * link-local (20) are the same kind of address on every veth and are not what
 * a peer connects to across pods.
 */
export function parseIfInet6(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [hex, , , scope] = f as [string, string, string, string];
    if (parseInt(scope, 16) !== 0) continue;
    // if_inet6 prints the address bytes in network order, so decode it as big-endian words.
    const addr = decodeAddress(hex, false);
    if (addr?.includes(':')) out.add(addr);
  }
  return [...out];
}

function isIpv4(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
}

/** `::ffff:10.0.0.5` (a dual-stack socket talking IPv4) is the IPv4 address 10.0.0.5. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip.toLowerCase();
}
