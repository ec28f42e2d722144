import { NLMSG_DONE, NLMSG_ERROR, NLMSG_OVERRUN } from '../shared/nlmsg.js';
import { AuditError } from './errors.js';
import { encodeMessage, errorCode, NLM_F_ACK, NLM_F_REQUEST, type NlMessage, splitMessages } from './proto.js';

/**
 * The part of `netlink`'s RawNetlinkSocket the source uses, so unit tests
 * can play the kernel (immutable mode, refusals) without touching it.
 */
export interface NetlinkSocketLike {
  on(event: 'message', fn: (msg: Buffer) => void): unknown;
  on(event: 'truncatedMessage', fn: (msg: Buffer) => void): unknown;
  on(event: 'error', fn: (err: Error & { code?: string }) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  send(msg: Uint8Array, options: { port?: number; groups?: number }, cb?: (err?: Error) => void): void;
  close(): void;
  addMembership(group: number): void;
  unref(): void;
}

export type OpenNetlink = (protocol: number, recvBufferBytes: number) => Promise<NetlinkSocketLike>;

export interface ChannelHandlers {
  /** A message the kernel sent unasked: an audit record (unicast or multicast). */
  record(type: number, text: string): void;
  /** Records were lost at the socket: ENOBUFS (receive buffer full) or NLMSG_OVERRUN. */
  overrun(): void;
  /** Messages that could not be parsed. */
  malformed(n: number): void;
  /** Handling a message threw (a bug, not the kernel's doing): reported, the next message is handled. */
  failed(err: unknown): void;
  /** The socket failed or closed for good. */
  fatal(err: AuditError): void;
}

type Expect = 'ack' | 'reply' | 'dump';

interface Pending {
  readonly seq: number;
  readonly expect: Expect;
  readonly replyType: number;
  readonly got: NlMessage[];
  resolve(msgs: NlMessage[]): void;
  reject(err: AuditError): void;
}

/**
 * Requests and answers over one NETLINK_AUDIT socket, one request at a
 * time (the kernel answers in order, and audit control is rare), plus the
 * records that arrive on it. Answers are matched by sequence number;
 * records (seq 0, or any message that is not the pending answer) go to
 * `record`.
 */
export class AuditChannel {
  private seq: number;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inbox: Buffer[] = [];
  private draining = false;

  constructor(
    private readonly sock: NetlinkSocketLike,
    private readonly handlers: ChannelHandlers,
    private readonly timeoutMs: number,
  ) {
    this.seq = 1 + Math.floor(Math.random() * 0x3fffffff);
    // Anything thrown back into the native binding's callback (also from the microtasks it runs
    // after it) aborts the process: the callback only queues, the work runs in setImmediate.
    sock.on('message', (buf) => {
      this.inbox.push(buf);
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
    sock.on('truncatedMessage', () => handlers.malformed(1));
    sock.on('error', (err) => {
      if (err.code === 'ENOBUFS') {
        setImmediate(() => handlers.overrun());
        return;
      }
      const e = new AuditError('VIGIL_ERR_AUDIT_SOCKET', `audit netlink socket: ${err.message}`, { cause: err });
      this.failPending(e);
      if (!this.closed) handlers.fatal(e);
    });
    sock.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      const e = new AuditError('VIGIL_ERR_AUDIT_SOCKET', 'audit netlink socket closed unexpectedly');
      this.failPending(e);
      handlers.fatal(e);
    });
  }

  /** Sends `type` and waits for an ack, a reply of the same type, or a dump ending in NLMSG_DONE. */
  request(type: number, payload: Buffer | undefined, expect: Expect): Promise<NlMessage[]> {
    const run = (): Promise<NlMessage[]> =>
      new Promise<NlMessage[]>((resolve, reject) => {
        if (this.closed) {
          reject(new AuditError('VIGIL_ERR_AUDIT_SOCKET', 'audit netlink socket is closed'));
          return;
        }
        this.seq = (this.seq + 1) & 0x7fffffff || 1;
        const seq = this.seq;
        const timer = setTimeout(() => {
          if (this.pending?.seq !== seq) return;
          this.pending = undefined;
          reject(new AuditError('VIGIL_ERR_AUDIT_TIMEOUT', `no answer to audit request ${type} within ${this.timeoutMs} ms`));
        }, this.timeoutMs);
        const done = (fn: () => void): void => {
          clearTimeout(timer);
          this.pending = undefined;
          fn();
        };
        this.pending = {
          seq,
          expect,
          replyType: type,
          got: [],
          resolve: (m) => done(() => resolve(m)),
          reject: (e) => done(() => reject(e)),
        };
        const flags = NLM_F_REQUEST | (expect === 'ack' ? NLM_F_ACK : 0);
        try {
          this.sock.send(encodeMessage(type, flags, seq, payload), {}, (err) => {
            if (err && this.pending?.seq === seq) this.pending.reject(new AuditError('VIGIL_ERR_AUDIT_REQUEST', `cannot send audit request ${type}: ${err.message}`, { cause: err }));
          });
        } catch (err) {
          this.pending?.reject(new AuditError('VIGIL_ERR_AUDIT_REQUEST', `cannot send audit request ${type}: ${(err as Error).message}`, { cause: err }));
        }
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failPending(new AuditError('VIGIL_ERR_AUDIT_SOCKET', 'audit netlink socket closed'));
    this.sock.close();
  }

  private drain(): void {
    this.draining = false;
    const batch = this.inbox;
    this.inbox = [];
    for (const buf of batch) {
      try {
        this.onMessage(buf);
      } catch (err) {
        this.handlers.failed(err);
      }
    }
  }

  private failPending(e: AuditError): void {
    this.pending?.reject(e);
  }

  private onMessage(buf: Buffer): void {
    const { messages, malformed } = splitMessages(buf);
    if (malformed > 0) this.handlers.malformed(malformed);
    for (const m of messages) {
      const p = this.pending;
      if (p && m.seq === p.seq && m.seq !== 0) {
        if (m.type === NLMSG_ERROR) {
          const code = errorCode(m.payload);
          if (code === 0 && p.expect === 'ack') p.resolve([]);
          else if (code !== 0) p.reject(new AuditError('VIGIL_ERR_AUDIT_REQUEST', `kernel refused audit request ${p.replyType}: errno ${-code}`, { errno: -code }));
          continue;
        }
        if (m.type === NLMSG_DONE && p.expect === 'dump') {
          p.resolve(p.got);
          continue;
        }
        if (m.type === p.replyType) {
          if (p.expect === 'reply') p.resolve([m]);
          else if (p.expect === 'dump') p.got.push(m);
          continue;
        }
      }
      if (m.type === NLMSG_OVERRUN) {
        this.handlers.overrun();
        continue;
      }
      if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE || m.type < 1000) continue;
      this.handlers.record(m.type, m.payload.toString('latin1'));
    }
  }
}
