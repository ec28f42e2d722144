import { randomInt } from 'node:crypto';
import type { RawNetlinkSocket } from 'netlink';
import { openRawNetlink, type NetlinkOpenError } from '../shared/netlink.js';
import { ExecError } from './errors.js';
import { buildMcastControl, CN_IDX_PROC, NETLINK_CONNECTOR, parseDatagram, PROC_CN_MCAST_IGNORE, PROC_CN_MCAST_LISTEN, type ProcConnectorEvent } from './proc-connector.js';

export interface ProcConnectorHandlers {
  onEvent(ev: ProcConnectorEvent): void;
  /** The socket's receive buffer overflowed (ENOBUFS) or the kernel sent NLMSG_OVERRUN: events were lost. */
  onOverrun(): void;
  /** Messages that could not be parsed (counted as lost). */
  onMalformed(count: number): void;
  /** The socket failed for good after it was opened; no more events will come. */
  onFatal(err: ExecError): void;
}

export interface ProcConnectorOptions {
  /** How long to wait for the kernel's answer to PROC_CN_MCAST_LISTEN. */
  readonly ackTimeoutMs: number;
  /** SO_RCVBUF; capped by net.core.rmem_max. Larger rides out exec storms. */
  readonly recvBufferBytes: number;
}

export interface ProcConnector {
  /** Unsubscribes (best effort, bounded wait) and closes the socket. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for PROC_CN_MCAST_IGNORE to be sent. */
const IGNORE_WAIT_MS = 200;

/**
 * Opens a NETLINK_CONNECTOR socket, joins CN_IDX_PROC and subscribes with
 * PROC_CN_MCAST_LISTEN. Resolves only once the kernel acknowledged the
 * subscription: the connector exists only in the initial network namespace
 * and answers nothing outside the initial user/pid namespaces, so the ack is
 * the one reliable proof that events will flow.
 */
export async function openProcConnector(handlers: ProcConnectorHandlers, opts: ProcConnectorOptions): Promise<ProcConnector> {
  let sock: RawNetlinkSocket;
  try {
    sock = await openRawNetlink(NETLINK_CONNECTOR, opts.recvBufferBytes);
  } catch (err) {
    const { stage, cause } = err as NetlinkOpenError;
    // EPROTONOSUPPORT on create: not in the initial network namespace (or no CONFIG_PROC_EVENTS).
    throw unavailable(stage === 'load' ? 'cannot load the netlink native binding' : 'cannot create a NETLINK_CONNECTOR socket (not in the host network namespace?)', cause);
  }
  try {
    sock.addMembership(CN_IDX_PROC);
  } catch (err) {
    sock.close();
    // EPERM: the connector's group needs CAP_NET_ADMIN.
    throw unavailable('cannot join the proc connector group (missing CAP_NET_ADMIN?)', err);
  }

  const seq = randomInt(1, 0x7fffffff);
  // Identifies the kernel's answer: it comes back as ack + 1.
  const nonce = randomInt(1, 0x7fffffff);
  const port = sock.address().port;
  let closing = false;
  let acked = false;
  let settle: ((err?: ExecError) => void) | undefined;

  sock.on('message', (msg) => {
    const parsed = parseDatagram(msg);
    if (parsed.overruns > 0) handlers.onOverrun();
    if (parsed.malformed > 0) handlers.onMalformed(parsed.malformed);
    for (const ev of parsed.events) {
      if (ev.what === 'ack') {
        // Acks are multicast to every listener: only ours (ack = our nonce + 1) settles the handshake.
        if (!acked && ev.ack === nonce + 1) {
          acked = true;
          settle?.(ev.err === 0 ? undefined : unavailable(`kernel refused PROC_CN_MCAST_LISTEN (errno ${ev.err})`));
        }
        continue;
      }
      handlers.onEvent(ev);
    }
  });
  sock.on('truncatedMessage', () => handlers.onMalformed(1));
  sock.on('error', (err) => {
    if (err.code === 'ENOBUFS') {
      handlers.onOverrun();
      return;
    }
    const e = new ExecError('VIGIL_ERR_EXEC_NETLINK_SOCKET', `netlink proc connector: ${err.message}`, { cause: err });
    if (!acked && settle) settle(e);
    else handlers.onFatal(e);
  });
  sock.on('close', () => {
    if (closing) return;
    closing = true;
    const e = new ExecError('VIGIL_ERR_EXEC_NETLINK_SOCKET', 'netlink proc connector socket closed unexpectedly');
    if (!acked && settle) settle(e);
    else handlers.onFatal(e);
  });

  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    if (acked) {
      // The kernel counts listeners and does its per-event work only while
      // the count is above zero. close() discards unsent messages, so wait
      // (briefly) for the IGNORE to leave first.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, IGNORE_WAIT_MS);
        try {
          sock.send(buildMcastControl(PROC_CN_MCAST_IGNORE, port, seq + 1), {}, () => {
            clearTimeout(t);
            resolve();
          });
        } catch {
          clearTimeout(t);
          resolve();
        }
      });
    }
    sock.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle?.(unavailable(`no answer to PROC_CN_MCAST_LISTEN within ${opts.ackTimeoutMs} ms (not in the initial user/pid namespace?)`)), opts.ackTimeoutMs);
      settle = (err) => {
        settle = undefined;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      sock.send(buildMcastControl(PROC_CN_MCAST_LISTEN, port, seq, nonce), {}, (err) => {
        if (err) settle?.(unavailable('cannot send PROC_CN_MCAST_LISTEN', err));
      });
    });
  } catch (err) {
    await close();
    throw err;
  }
  // The agent's lifetime is owned by its components, not by this socket.
  sock.unref();
  return { close };
}

function unavailable(message: string, cause?: unknown): ExecError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new ExecError('VIGIL_ERR_EXEC_NETLINK_UNAVAILABLE', message + detail, { cause });
}
