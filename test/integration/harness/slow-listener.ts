import { spawn, type ChildProcess } from 'node:child_process';

/**
 * An attacker's listener one network round trip away: the accept queue is
 * held full by a dummy connection until `release()` plus a hold time, so a
 * client that connects meanwhile has its first SYN left unanswered and
 * connects on its retransmission a second later.
 * A netcat that execs a shell right after connecting then lives that
 * second, as it does against a remote peer; against a plain loopback-near
 * listener it lives a millisecond, shorter than any /proc read can follow.
 */
export interface SlowListener {
  readonly port: number;
  /** Frees the queue `holdSeconds` from now: call it right after starting the client. */
  release(): void;
  /** Resolves when a client (not the dummy) connected. */
  connected(timeoutMs: number): Promise<void>;
  close(): void;
}

const SCRIPT = `
import socket, sys, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 0)); srv.listen(0)
print(srv.getsockname()[1], flush=True)
dummy = socket.create_connection(srv.getsockname())
sys.stdin.readline()
time.sleep(float(sys.argv[2]))
held = [dummy, srv.accept()[0]]
conn, _ = srv.accept()
print('connected', flush=True)
held.append(conn)
time.sleep(600)
`;

export async function slowListen(host: string, holdSeconds = 0.5): Promise<SlowListener> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, host, String(holdSeconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('slow listener did not start')), 10_000);
    const check = (): void => {
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      } else waiters.push(check);
    };
    check();
  });
  return {
    port,
    release() {
      child.stdin!.write('go\n');
    },
    connected(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection to slow listener port ${port} within ${timeoutMs} ms`)), timeoutMs);
        const check = (): void => {
          if (out.includes('connected')) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    close() {
      child.kill('SIGKILL');
    },
  };
}
