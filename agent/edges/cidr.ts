import { isIPv4, isIPv6 } from 'node:net';
import { EdgeConfigError } from './errors.js';

/** A parsed CIDR block; addresses are compared as bigints so IPv4 and IPv6 share one path. */
export interface Cidr {
  readonly text: string;
  readonly v6: boolean;
  readonly base: bigint;
  readonly mask: bigint;
}

export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v6 = isIPv6(addr);
  if (!v6 && !isIPv4(addr)) throw new EdgeConfigError(`clusterCidrs: "${text}" is not an IPv4 or IPv6 CIDR`);
  const width = v6 ? 128 : 32;
  const bits = slash < 0 ? width : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > width) {
    throw new EdgeConfigError(`clusterCidrs: "${text}" has a bad prefix length`);
  }
  const all = (1n << BigInt(width)) - 1n;
  const mask = bits === 0 ? 0n : (all << BigInt(width - bits)) & all;
  return { text, v6, base: ipToBigint(addr, v6)! & mask, mask };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const v6 = ip.includes(':');
  if (v6 !== c.v6) return false;
  const n = ipToBigint(ip, v6);
  return n !== undefined && (n & c.mask) === c.base;
}

function ipToBigint(ip: string, v6: boolean): bigint | undefined {
  if (!v6) {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
  }
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  // A trailing dotted quad (::ffff:1.2.3.4) is two hex groups.
  const dot = text.lastIndexOf('.');
  if (dot >= 0) {
    const colon = text.lastIndexOf(':');
    const v4 = ipToBigint(text.slice(colon + 1), false);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, colon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
