import type { AuditSyscall } from '../../collectors/audit/types.js';
import { argUint } from './audit-args.js';

/** Entries kept at most; past it the oldest go (a socket seen long ago is rarely connected now). */
const MAX_SOCKETS = 16_384;
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;

/**
 * The protocol of the sockets processes created, from their audited
 * socket() calls, by pid and fd: what tells a TCP connect (a connection the
 * netns's TCP counters count) from a UDP one, which the connect record
 * alone cannot. Bounded; a socket made before auditing began is unknown.
 */
export class SocketKinds {
  private readonly byFd = new Map<string, 'tcp' | 'udp'>();

  note(s: AuditSyscall): void {
    if (s.syscall !== 'socket' || s.exit === undefined || s.exit < 0) return;
    const domain = argUint(s, 0);
    const type = (argUint(s, 1) ?? 0) & 0xf;
    const key = `${s.pid}:${s.exit}`;
    this.byFd.delete(key);
    if (domain !== AF_INET && domain !== AF_INET6) return;
    const proto = type === SOCK_STREAM ? 'tcp' : type === SOCK_DGRAM ? 'udp' : undefined;
    if (proto === undefined) return;
    if (this.byFd.size >= MAX_SOCKETS) this.byFd.delete(this.byFd.keys().next().value!);
    this.byFd.set(key, proto);
  }

  proto(pid: number, fd: number): 'tcp' | 'udp' | undefined {
    return this.byFd.get(`${pid}:${fd}`);
  }

  get size(): number {
    return this.byFd.size;
  }
}
