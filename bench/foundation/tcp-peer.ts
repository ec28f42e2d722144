/**
 * Loopback TCP load for the socket scan, run as a forked child:
 *   server           listens on 127.0.0.1:0, sends { port } over IPC
 *   client PORT N MS opens N connections, sends { connected }, then every MS
 *                    milliseconds (0 = never) closes one and opens another,
 *                    the connection churn a real node always has
 * Connections stay open until the process is killed.
 */
import { connect, createServer, type Socket } from 'node:net';

const [mode, portArg, countArg, churnArg] = process.argv.slice(2);

function send(msg: unknown): void {
  process.send?.(msg);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

if (mode === 'server') {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.resume();
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    send({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
} else if (mode === 'client') {
  const port = Number(portArg);
  const count = Number(countArg);
  const churnMs = Number(churnArg ?? 0);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) sockets.push(await open(port));
  send({ connected: sockets.length });
  if (churnMs > 0) {
    setInterval(() => {
      const old = sockets.shift();
      old?.destroy();
      open(port).then(
        (s) => sockets.push(s),
        () => undefined,
      );
    }, churnMs);
  }
  // Keep the IPC channel from holding the parent: the parent kills us.
  process.channel?.unref();
} else {
  process.stderr.write(`tcp-peer: unknown mode ${String(mode)}\n`);
  process.exit(2);
}
