import { randomInt } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import type { RawNetlinkSocket } from 'netlink';
import { parseNsLink } from '../procfs/parse-links.js';
import { openRawNetlink } from '../shared/netlink.js';
import { ProcError } from '../shared/errors.js';
import type { NetRow } from './parse-net.js';
import { AF_INET, AF_INET6, buildTcpDumpRequest, NETLINK_SOCK_DIAG, parseDumpChunk } from './sock-diag.js';

/**
 * The TCP sockets of the agent's own network namespace, dumped over
 * NETLINK_SOCK_DIAG (the interface `ss` uses). A netlink socket sees only
 * the netns it was created in and Node cannot setns(), so this covers one
 * netns: the host's when the agent runs with hostNetwork, which is where a
 * node's busiest TCP tables (kubelet, runtimes, host daemons) live. Other
 * namespaces are read from /proc/<pid>/net/tcp{,6}.
 */
export interface SockDiag {
  /** Inode of the netns the dumps describe (as in /proc/<pid>/ns/net). */
  readonly netns: number;
  /** Every TCP socket (IPv4 then IPv6) but TIME_WAIT and request sockets. */
  dumpTcp(): Promise<NetRow[]>;
  close(): void;
}

/** Longer than this and a dump is given up on (the scan then reads /proc). */
const DUMP_TIMEOUT_MS = 1000;
/** Replies queue here while the main thread scans; a node has at most a few 10k sockets (72+16 bytes each). */
const RECV_BUFFER_BYTES = 4 << 20;

/**
 * Opens the socket; rejects with a ProcError when netlink cannot be used
 * (native binding missing, a big-endian host: the replies' host-order
 * fields are read as little-endian, or a kernel without inet_diag) or when
 * `procRoot` is not a view of this kernel in which the agent sees its own
 * netns (a fixture tree, whose made-up netns inodes must never be answered
 * with the live sockets).
 */
export async function openSockDiag(procRoot: string): Promise<SockDiag> {
  if (endianness() !== 'LE') throw unavailable('sock_diag parsing assumes a little-endian host');
  let netns: number | undefined;
  try {
    netns = parseNsLink(readlinkSync('/proc/self/ns/net'));
    const seen = parseNsLink(readlinkSync(`${procRoot}/self/ns/net`));
    if (netns !== undefined && seen !== netns) throw new Error(`${procRoot}/self/ns/net is not the agent's netns`);
  } catch (err) {
    throw unavailable(`cannot match the agent's netns in ${procRoot}`, err);
  }
  if (netns === undefined) throw unavailable('unparsable /proc/self/ns/net');
  let sock: RawNetlinkSocket;
  try {
    sock = await openRawNetlink(NETLINK_SOCK_DIAG, RECV_BUFFER_BYTES);
  } catch (err) {
    throw unavailable(`${(err as Error).message}: NETLINK_SOCK_DIAG`, (err as Error).cause);
  }
  // Only a pending dump keeps the process alive.
  sock.unref();
  const diag = createDumper(sock, netns);
  // A kernel without inet_diag answers the first dump with an error: find out now, not on every scan.
  await diag.dumpTcp().catch((err: unknown) => {
    diag.close();
    throw unavailable('the kernel refused a TCP dump (no inet_diag?)', err);
  });
  return diag;
}

function createDumper(sock: RawNetlinkSocket, netns: number): SockDiag {
  let seq = randomInt(1, 0x7fffffff);
  let pending: { seq: number; rows: NetRow[]; resolve(): void; reject(err: Error): void } | undefined;
  let closed = false;
  let busy = false;

  sock.on('message', (msg) => {
    if (!pending) return; // a late reply to a dump given up on
    const chunk = parseDumpChunk(msg, pending.seq);
    for (const r of chunk.rows) pending.rows.push(r);
    const p = pending;
    if (chunk.malformed > 0) p.reject(new ProcError('VIGIL_ERR_NET_DIAG', `sock_diag: ${chunk.malformed} malformed message(s)`));
    else if (chunk.errno !== undefined) p.reject(new ProcError('VIGIL_ERR_NET_DIAG', `sock_diag: kernel error ${chunk.errno}`));
    else if (chunk.done) p.resolve();
  });
  sock.on('error', (err) => pending?.reject(new ProcError('VIGIL_ERR_NET_DIAG', `sock_diag socket: ${err.message}`, { cause: err })));

  function dumpFamily(family: typeof AF_INET | typeof AF_INET6, rows: NetRow[]): Promise<void> {
    if (closed) return Promise.reject(new ProcError('VIGIL_ERR_NET_DIAG', 'sock_diag socket closed'));
    seq = (seq % 0x7fffffff) + 1;
    const mySeq = seq;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new ProcError('VIGIL_ERR_NET_DIAG', `sock_diag: no answer in ${DUMP_TIMEOUT_MS} ms`)), DUMP_TIMEOUT_MS);
      const done = (err?: Error) => {
        if (pending?.seq !== mySeq) return;
        clearTimeout(timer);
        pending = undefined;
        sock.unref();
        if (err) reject(err);
        else resolve();
      };
      pending = { seq: mySeq, rows, resolve: () => done(), reject: done };
      sock.ref();
      sock.send(buildTcpDumpRequest(family, mySeq), {}, (err) => {
        if (err) done(new ProcError('VIGIL_ERR_NET_DIAG', `sock_diag send: ${err.message}`, { cause: err }));
      });
    });
  }

  return {
    netns,
    async dumpTcp() {
      // One dump at a time per netlink socket: the kernel holds one dump state.
      if (busy) throw new ProcError('VIGIL_ERR_NET_DIAG', 'sock_diag: a dump is already running');
      busy = true;
      try {
        const rows: NetRow[] = [];
        await dumpFamily(AF_INET, rows);
        await dumpFamily(AF_INET6, rows);
        return rows;
      } finally {
        busy = false;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      pending?.reject(new ProcError('VIGIL_ERR_NET_DIAG', 'sock_diag socket closed'));
      sock.close();
    },
  };
}

function unavailable(msg: string, cause?: unknown): ProcError {
  return new ProcError('VIGIL_ERR_NET_DIAG_UNAVAILABLE', msg, cause === undefined ? undefined : { cause });
}
