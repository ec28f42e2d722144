import { plain, timeOfDay } from './helpers.js';
import type { FieldDef } from './types.js';

const nsOf = (ms: number): number => Math.round(ms * 1e6);

export const eventFields: readonly FieldDef[] = [
  plain('evt.type', 'string', 'Event type: execve, procexit, connect, accept, listen, dup, container, metric; with --audit also the audited syscalls (openat, setns, ptrace...).', (e) => e.type),
  plain('evt.time', 'number', 'Event time in ns since the epoch; printed as a time of day (UTC) like Falco.', (e) => nsOf(e.timeMs), { format: (v) => timeOfDay((v as number) / 1e6) }),
  plain('evt.rawtime', 'number', 'Event time in ns since the epoch.', (e) => nsOf(e.timeMs)),
  plain('evt.time.s', 'number', 'Event time in seconds since the epoch.', (e) => Math.floor(e.timeMs / 1000)),
  plain('evt.datetime', 'string', 'Event time as RFC3339 (ms precision).', (e) => new Date(e.timeMs).toISOString()),
  plain('evt.rawres', 'number', "Raw result: the syscall's return value (a negative errno on failure); on dup, the stdio fd (0, 1, 2) that points at a socket.", (e) => e.rawres),
  plain('evt.dir', 'string', "Event direction; always '<' (vigil only sees completed calls).", () => '<', { constant: true }),
  plain('evt.source', 'string', 'Event source: syscall or metrics.', (e) => e.source),
  plain('evt.hostname', 'string', 'Hostname of the node the event comes from.', (e) => e.hostname),
  plain('evt.num', 'number', "Sequence number of the event on this agent, from 1 (Falco's never_true macro is evt.num=0).", (e) => e.num),
];

export const fdTypeChar: Readonly<Record<string, string>> = {
  file: 'f',
  directory: 'd',
  ipv4: '4',
  ipv6: '6',
  unix: 'u',
  pipe: 'p',
  event: 'e',
  signalfd: 's',
  eventpoll: 'l',
  inotify: 'i',
  timerfd: 't',
  netlink: 'n',
  memfd: 'm',
  bpf: 'b',
  userfaultfd: 'c',
  io_uring: 'r',
};

const pair = (a: string | undefined, b: string | undefined): readonly string[] | undefined => {
  if (a === undefined) return b === undefined ? undefined : [b];
  return b === undefined ? [a] : [a, b];
};

export const fdFields: readonly FieldDef[] = [
  plain('fd.type', 'string', 'Kind of fd: ipv4, ipv6, unix, file, pipe, ...', (e) => e.fd?.type),
  plain('fd.typechar', 'string', 'One-letter fd type: 4, 6, u, f, p, ...', (e) => (e.fd === undefined ? undefined : (fdTypeChar[e.fd.type] ?? '?'))),
  plain('fd.num', 'number', 'fd number in the process.', (e) => e.fd?.num),
  plain('fd.l4proto', 'string', 'Transport protocol: tcp or udp.', (e) => e.fd?.l4proto),
  plain('fd.name', 'string', 'For sockets cip:cport->sip:sport, for files the path.', (e) => e.fd?.name),
  plain('fd.sip', 'ipaddr', 'Server IP address.', (e) => e.fd?.sip),
  plain('fd.sport', 'number', 'Server port.', (e) => e.fd?.sport),
  plain('fd.cip', 'ipaddr', 'Client IP address.', (e) => e.fd?.cip),
  plain('fd.cport', 'number', 'Client port.', (e) => e.fd?.cport),
  plain('fd.lip', 'ipaddr', 'Local IP address.', (e) => e.fd?.lip),
  plain('fd.lport', 'number', 'Local port.', (e) => e.fd?.lport),
  plain('fd.rip', 'ipaddr', 'Remote IP address.', (e) => e.fd?.rip),
  plain('fd.rport', 'number', 'Remote port.', (e) => e.fd?.rport),
  plain('fd.ip', 'ipaddr', 'Matches if either the client or the server IP matches.', (e) => pair(e.fd?.cip, e.fd?.sip), { any: true, twoEnded: true, derived: true }),
  plain(
    'fd.port',
    'number',
    'Matches if either the client or the server port matches.',
    (e) => {
      const f = e.fd;
      if (f === undefined) return undefined;
      const out: number[] = [];
      if (f.cport !== undefined) out.push(f.cport);
      if (f.sport !== undefined) out.push(f.sport);
      return out;
    },
    { any: true, twoEnded: true, derived: true },
  ),
  plain('fd.net', 'ipnet', 'Matches if the client or the server IP is in the network (CIDR).', (e) => pair(e.fd?.cip, e.fd?.sip), { any: true, twoEnded: true, derived: true }),
  plain('fd.snet', 'ipnet', 'Server IP compared with a network (CIDR).', (e) => e.fd?.sip),
  plain('fd.cnet', 'ipnet', 'Client IP compared with a network (CIDR).', (e) => e.fd?.cip),
  plain('fd.lnet', 'ipnet', 'Local IP compared with a network (CIDR).', (e) => e.fd?.lip),
  plain('fd.rnet', 'ipnet', 'Remote IP compared with a network (CIDR).', (e) => e.fd?.rip),
  plain('fd.direction', 'string', 'out when this side connected, in when it accepted.', (e) => e.fd?.direction, { vigil: true }),
  plain('fd.relay.pid', 'number', 'On dup: pid of the process that holds the socket when the stdio fd reaches it through a pipe or pty.', (e) => e.fd?.relayPid, { vigil: true }),
  plain('fd.relay.name', 'string', 'On dup: name of that relaying process (nc, socat, ...).', (e) => e.fd?.relayName, { vigil: true }),
];
