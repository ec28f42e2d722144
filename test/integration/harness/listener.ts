import { createServer, type Server, type Socket } from 'node:net';

/**
 * The attacker's end of a reverse shell: accepts connections, keeps them
 * open (a shell on the other side exits when its input closes) and records
 * when each one arrived — the "behavior start" that latency is measured from.
 */
export interface Listener {
  readonly port: number;
  readonly connections: { readonly atMs: number; readonly socket: Socket }[];
  waitForConnection(timeoutMs: number): Promise<{ atMs: number; socket: Socket }>;
  close(): Promise<void>;
}

export async function listen(host: string): Promise<Listener> {
  const connections: { atMs: number; socket: Socket }[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    connections.push({ atMs: Date.now(), socket });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    connections,
    waitForConnection(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection to port ${port} within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          const first = connections[0];
          if (first) {
            clearTimeout(timer);
            resolve(first);
          } else waiters.push(check);
        };
        check();
      });
    },
    async close() {
      for (const c of connections) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
