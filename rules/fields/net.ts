/**
 * IP addresses and CIDR networks for fd.* comparisons. IPv4 addresses are
 * uint32 numbers, IPv6 ones bigints; an IPv4-mapped IPv6 address
 * (::ffff:10.0.0.1) is its IPv4 address, so "10.0.0.0/8" matches sockets
 * read from tcp6 tables too.
 */

export type IpValue = number | bigint;

export interface Cidr {
  readonly v6: boolean;
  readonly net: IpValue;
  readonly bits: number;
  /** Precomputed mask (uint32 for IPv4, bigint for IPv6). */
  readonly mask: IpValue;
}

function parseV4(s: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}

function parseV6(s: string): bigint | number | undefined {
  if (s.length > 2 && s.charCodeAt(0) === 91 && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const hp = head === '' ? [] : head.split(':');
  const tp = tail === '' ? [] : tail.split(':');
  const groups: number[] = [];
  const push = (parts: string[], out: number[]): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return false;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
      out.push(parseInt(p, 16));
    }
    return true;
  };
  const tailGroups: number[] = [];
  if (!push(hp, groups) || !push(tp, tailGroups)) return undefined;
  const missing = 8 - groups.length - tailGroups.length;
  if (dbl >= 0 ? missing < 1 : missing !== 0) return undefined;
  for (let i = 0; i < missing; i++) groups.push(0);
  groups.push(...tailGroups);
  // IPv4-mapped (::ffff:a.b.c.d): compare as IPv4.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return groups[6]! * 65536 + groups[7]!;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Parse an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(s: string): IpValue | undefined {
  if (s.includes(':')) return parseV6(s);
  return parseV4(s);
}

/** Parse "10.0.0.0/8", "fd00::/8" or a bare address (a /32 or /128). */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (addr === undefined) return undefined;
  const v6 = typeof addr === 'bigint';
  const max = v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return undefined;
    bits = Number(b);
    // A mapped IPv4 network written in IPv6 form (::ffff:10.0.0.0/104).
    if (!v6 && s.includes(':')) bits -= 96;
    if (bits < 0 || bits > max) return undefined;
  }
  if (v6) {
    const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
    return { v6, net: (addr as bigint) & mask, bits, mask };
  }
  const mask = bits === 0 ? 0 : 0xffffffff - (2 ** (32 - bits) - 1);
  return { v6, net: maskV4(addr as number, mask), bits, mask };
}

function maskV4(a: number, mask: number): number {
  // >>> 0 keeps the result unsigned; & on numbers is 32-bit signed.
  return (a & mask) >>> 0;
}

export function cidrContains(c: Cidr, ip: IpValue): boolean {
  if (typeof ip === 'bigint') return c.v6 && (ip & (c.mask as bigint)) === c.net;
  return !c.v6 && maskV4(ip, c.mask as number) === c.net;
}
