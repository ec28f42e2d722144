import { EventEmitter } from 'node:events';
import type { NetlinkSocketLike } from '../../../../collectors/audit/channel.js';
import {
  AUDIT_ADD_RULE,
  AUDIT_DEL_RULE,
  AUDIT_GET,
  AUDIT_LIST_RULES,
  AUDIT_LOCKED,
  AUDIT_SET,
  AUDIT_STATUS_BACKLOG_LIMIT,
  AUDIT_STATUS_ENABLED,
  AUDIT_STATUS_PID,
  type AuditStatusWire,
  NLM_F_ACK,
  splitMessages,
} from '../../../../collectors/audit/proto.js';
import { NLMSG_DONE, NLMSG_ERROR } from '../../../../collectors/shared/nlmsg.js';

const EPERM = 1;
const EEXIST = 17;
const ENOENT = 2;

/**
 * The kernel's audit netlink side, in memory: status, the daemon pid, the
 * rule list, the locked mode (enabled 2), the multicast group. Plays what
 * linux/kernel/audit.c answers to each request, so the source's unit tests
 * cover the paths the real kernel must not be put into (immutable mode).
 */
export class FakeAuditKernel {
  status: { -readonly [K in keyof AuditStatusWire]: AuditStatusWire[K] } = { enabled: 0, failure: 1, pid: 0, rateLimit: 0, backlogLimit: 64, lost: 0, backlog: 0 };
  rules: Buffer[] = [];
  readonly sockets: FakeSocket[] = [];
  readonly log: string[] = [];
  /** Joining the multicast group throws this (EPERM without CAP_AUDIT_READ). */
  refuseMembership = false;
  /** Every request is refused with this errno (no CAP_AUDIT_CONTROL: EPERM). */
  refuseAll?: number;
  /** Another daemon registers this pid just before vigil's own AUDIT_SET pid arrives (the race EEXIST answers). */
  daemonRegistersFirst?: number;
  /** The registered daemon (status.pid set by the test) died: the kernel's AUDIT_REPLACE test fails and it lets another register. */
  daemonDead = false;

  open = async (): Promise<NetlinkSocketLike> => {
    const s = new FakeSocket(this, 1000 + this.sockets.length);
    this.sockets.push(s);
    return s;
  };

  /** A record as the kernel sends it: one per datagram, nlmsg_len = text length. */
  emitRecord(type: number, text: string): void {
    const body = Buffer.from(text, 'latin1');
    const buf = Buffer.alloc(16 + body.length);
    buf.writeUInt32LE(body.length, 0);
    buf.writeUInt16LE(type, 4);
    body.copy(buf, 16);
    const daemon = this.sockets.find((s) => s.port === this.daemonPort && !s.closed);
    if (daemon) daemon.deliver(buf);
    for (const s of this.sockets) if (s.groups.has(1) && !s.closed) s.deliver(buf);
  }

  daemonPort = 0;

  handle(sock: FakeSocket, msg: Buffer): void {
    const { messages } = splitMessages(msg);
    for (const m of messages) {
      const reply = (type: number, payload: Buffer, flags = 0): void => sock.deliver(frame(type, flags, m.seq, payload));
      const ack = (errno: number): void => {
        if (errno === 0 && !(m.flags & NLM_F_ACK)) return;
        const p = Buffer.alloc(4 + 16);
        p.writeInt32LE(-errno, 0);
        msg.copy(p, 4, 0, 16);
        reply(NLMSG_ERROR, p);
      };
      if (this.refuseAll) {
        ack(this.refuseAll);
        continue;
      }
      const locked = this.status.enabled === AUDIT_LOCKED;
      if (m.type === AUDIT_GET) {
        const p = Buffer.alloc(44);
        const s = this.status;
        [0, s.enabled, s.failure, s.pid, s.rateLimit, s.backlogLimit, s.lost, s.backlog].forEach((v, i) => {
          p.writeUInt32LE(v, i * 4);
        });
        reply(AUDIT_GET, p);
      } else if (m.type === AUDIT_SET) {
        const mask = m.payload.readUInt32LE(0);
        let err = 0;
        if (mask & AUDIT_STATUS_ENABLED) {
          if (locked) err = EPERM;
          else this.status.enabled = m.payload.readUInt32LE(4);
          this.log.push(`enabled=${m.payload.readUInt32LE(4)}${err ? ' refused' : ''}`);
        }
        if (!err && mask & AUDIT_STATUS_PID) {
          const pid = m.payload.readUInt32LE(12);
          if (pid !== 0 && this.daemonRegistersFirst) this.status.pid = this.daemonRegistersFirst;
          if (pid !== 0 && this.status.pid !== 0 && !this.daemonDead) err = EEXIST;
          else {
            this.status.pid = pid;
            this.daemonPort = pid === 0 ? 0 : sock.port;
          }
          this.log.push(`pid=${pid}${err ? ' refused' : ''}`);
        }
        if (!err && mask & 0x08) {
          if (locked) err = EPERM;
          else this.status.rateLimit = m.payload.readUInt32LE(16);
          this.log.push(`rate_limit=${m.payload.readUInt32LE(16)}`);
        }
        if (!err && mask & AUDIT_STATUS_BACKLOG_LIMIT) {
          if (locked) err = EPERM;
          else this.status.backlogLimit = m.payload.readUInt32LE(20);
          this.log.push(`backlog_limit=${m.payload.readUInt32LE(20)}`);
        }
        ack(err);
      } else if (m.type === AUDIT_LIST_RULES) {
        for (const r of this.rules) reply(AUDIT_LIST_RULES, r, 2);
        reply(NLMSG_DONE, Buffer.alloc(4), 2);
      } else if (m.type === AUDIT_ADD_RULE) {
        if (locked) ack(EPERM);
        else if (this.rules.some((r) => r.equals(m.payload))) ack(EEXIST);
        else {
          this.rules.push(Buffer.from(m.payload));
          this.log.push('add rule');
          ack(0);
        }
      } else if (m.type === AUDIT_DEL_RULE) {
        const i = this.rules.findIndex((r) => r.equals(m.payload));
        if (locked) ack(EPERM);
        else if (i < 0) ack(ENOENT);
        else {
          this.rules.splice(i, 1);
          this.log.push('del rule');
          ack(0);
        }
      }
    }
  }
}

function frame(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(16 + payload.length);
  b.writeUInt32LE(16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  payload.copy(b, 16);
  return b;
}

class FakeSocket extends EventEmitter implements NetlinkSocketLike {
  readonly groups = new Set<number>();
  closed = false;
  constructor(
    private readonly kernel: FakeAuditKernel,
    readonly port: number,
  ) {
    super();
  }
  send(msg: Uint8Array, _o: unknown, cb?: (err?: Error) => void): void {
    queueMicrotask(() => {
      cb?.();
      this.kernel.handle(this, Buffer.from(msg));
    });
  }
  deliver(buf: Buffer): void {
    queueMicrotask(() => {
      if (!this.closed) this.emit('message', buf);
    });
  }
  close(): void {
    this.closed = true;
    if (this.kernel.daemonPort === this.port) {
      // The kernel notices a dead daemon (its socket gone) and resets the pid.
      this.kernel.daemonPort = 0;
      this.kernel.status.pid = 0;
    }
  }
  addMembership(group: number): void {
    if (this.kernel.refuseMembership) throw Object.assign(new Error('EPERM'), { code: 'EPERM' });
    this.groups.add(group);
  }
  unref(): void {}
}

/** The records of one connect() as the kernel prints them. */
export function connectRecords(serial: number, pid: number, comm = 'curl'): [number, string][] {
  const h = `audit(1700000000.250:${serial}): `;
  return [
    [
      1300,
      `${h}arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=7ffd a2=10 a3=0 items=0 ppid=1 pid=${pid} auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="${comm}" exe="/usr/bin/curl" key="vigil"`,
    ],
    [1306, `${h}saddr=020000507F0000010000000000000000`],
    [1327, `${h}proctitle=6375726C00687474703A2F2F3132372E302E302E313A3830`],
    [1320, h],
  ];
}
