/**
 * The netlink message header every netlink protocol shares (linux/netlink.h):
 *   struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }  16 bytes
 * and the message types the kernel sends on any netlink socket.
 */
export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

/** NLMSG_ALIGN: the next message starts on a 4-byte boundary. */
export function nlmsgAlign(len: number): number {
  return (len + 3) & ~3;
}
