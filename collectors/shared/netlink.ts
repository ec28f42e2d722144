import type { RawNetlinkSocket } from 'netlink';
import { VigilError } from '../../core/errors.js';

/** Why a netlink socket could not be opened: the native binding, or the socket itself. */
export class NetlinkOpenError extends VigilError<'VIGIL_ERR_NETLINK_OPEN'> {
  constructor(
    readonly stage: 'load' | 'create',
    message: string,
    options: { cause: unknown },
  ) {
    super('VIGIL_ERR_NETLINK_OPEN', message, options);
  }
}

/**
 * A raw netlink socket of `protocol` from the `netlink` package, whose native
 * binding is loaded on first use (so an agent without it still starts, and
 * each caller falls back its own way). Throws NetlinkOpenError.
 */
export async function openRawNetlink(protocol: number, recvBufferBytes: number): Promise<RawNetlinkSocket> {
  let Raw: typeof RawNetlinkSocket;
  try {
    ({ RawNetlinkSocket: Raw } = await import('netlink'));
  } catch (err) {
    throw new NetlinkOpenError('load', 'cannot load the netlink native binding', { cause: err });
  }
  try {
    return new Raw(protocol, { recvBufferSize: recvBufferBytes, sendBufferSize: 0 });
  } catch (err) {
    throw new NetlinkOpenError('create', `cannot create a netlink socket (protocol ${protocol})`, { cause: err });
  }
}
