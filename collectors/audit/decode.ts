import { formatIpv6 } from '../netfs/parse-net.js';
import type { AuditSockaddr } from './types.js';

/**
 * Decoding of the values the kernel hex-encodes (audit_log_untrustedstring:
 * any string with a space, a quote or a control character, so hostile names
 * come as hex) and of the binary SOCKADDR.
 */

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** A string field: quoted → as is; `(null)`/`(none)` → undefined; else hex-decoded (or as is when not hex). */
export function stringField(fields: ReadonlyMap<string, string>, quoted: ReadonlySet<string>, key: string): string | undefined {
  const v = fields.get(key);
  if (v === undefined) return undefined;
  if (quoted.has(key)) return v;
  if (v === '(null)' || v === '(none)') return undefined;
  return HEX.test(v) ? Buffer.from(v, 'hex').toString('utf8') : v;
}

/** A decimal field (pid, uid, exit); undefined when absent or not a number. */
export function intField(fields: ReadonlyMap<string, string>, key: string): number | undefined {
  const v = fields.get(key);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** PROCTITLE: hex of argv with NUL separators (or a quoted string when it has none). */
export function splitProctitle(raw: string, wasQuoted: boolean): string[] {
  const text = wasQuoted || !HEX.test(raw) ? raw : Buffer.from(raw, 'hex').toString('utf8');
  const parts = text.split('\0');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;

/** SOCKADDR's `saddr=`: struct sockaddr in hex, family in host byte order, port in network order. */
export function decodeSockaddr(hex: string, littleEndian = true): AuditSockaddr | undefined {
  if (!HEX.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  if (b.length < 2) return undefined;
  const family = littleEndian ? b.readUInt16LE(0) : b.readUInt16BE(0);
  if (family === AF_INET && b.length >= 8) {
    return { family: 'inet', addr: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port: b.readUInt16BE(2) };
  }
  if (family === AF_INET6 && b.length >= 24) {
    return { family: 'inet6', addr: formatIpv6(b.subarray(8, 24)), port: b.readUInt16BE(2) };
  }
  if (family === AF_UNIX) {
    const path = b.subarray(2);
    // Abstract sockets start with a NUL; shown as '@' like ss and Falco do.
    if (path.length > 0 && path[0] === 0) {
      const end = path.indexOf(0, 1);
      return { family: 'unix', path: `@${path.toString('utf8', 1, end < 0 ? path.length : end)}` };
    }
    const end = path.indexOf(0);
    return { family: 'unix', path: path.toString('utf8', 0, end < 0 ? path.length : end) };
  }
  return { family: family === AF_NETLINK ? 'netlink' : 'other', raw: hex.toLowerCase() };
}
