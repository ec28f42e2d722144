import { endianness } from 'node:os';
import type { SocketInfo, SocketProto, TcpState } from '../model.js';

/** One row of /proc/net/{tcp,tcp6,udp,udp6}: a socket before its netns and owners are known. */
export type NetRow = Pick<SocketInfo, 'proto' | 'localAddr' | 'localPort' | 'remoteAddr' | 'remotePort' | 'state' | 'uid' | 'inode'>;

// include/net/tcp_states.h
export const TCP_STATES: readonly TcpState[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Parses the whole text of one /proc/<pid>/net/<proto> file. The header line
 * and malformed lines are skipped. Columns:
 *   sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
 */
export function parseProcNet(text: string, proto: SocketProto, littleEndian = LITTLE_ENDIAN): NetRow[] {
  const rows: NetRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = decodeEndpoint(f[1]!, littleEndian);
    const remote = decodeEndpoint(f[2]!, littleEndian);
    const inode = Number(f[9]);
    const uid = Number(f[7]);
    if (!local || !remote || !Number.isInteger(inode) || !Number.isInteger(uid)) continue;
    rows.push({
      proto,
      localAddr: local.addr,
      localPort: local.port,
      remoteAddr: remote.addr,
      remotePort: remote.port,
      state: TCP_STATES[parseInt(f[3]!, 16)] ?? 'UNKNOWN',
      uid,
      inode,
    });
  }
  return rows;
}

/** "0100007F:1F90" -> 127.0.0.1, 8080. */
export function decodeEndpoint(s: string, littleEndian = LITTLE_ENDIAN): { addr: string; port: number } | undefined {
  const colon = s.indexOf(':');
  if (colon < 0) return undefined;
  const hex = s.slice(0, colon);
  const port = parseInt(s.slice(colon + 1), 16);
  if (!Number.isInteger(port)) return undefined;
  const addr = decodeAddress(hex, littleEndian);
  return addr === undefined ? undefined : { addr, port };
}

/**
 * The kernel prints an address as 32-bit words, each with %08X of its value
 * in host byte order (so byte-reversed on little-endian machines): IPv4 is
 * one word, IPv6 four. IPv4-mapped IPv6 addresses (a dual-stack socket that
 * talks to an IPv4 peer) print as ::ffff:a.b.c.d, as ss and Node do.
 */
export function decodeAddress(hex: string, littleEndian = LITTLE_ENDIAN): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((o) => parseInt(hex.slice(w + o, w + o + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIpv6(bytes);
}

/** 16 address bytes in network order as text; IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIpv6(b: ArrayLike<number>): string {
  let isMapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && isMapped; i++) isMapped = b[i] === 0;
  if (isMapped) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (of at least two) of zero groups, the first on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}
