import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from './agent.js';

/**
 * The receiving ends of vigil's push outputs, each a real program started
 * (and killed, and restarted) by the test on loopback: Debian's rsyslog,
 * nats-server with JetStream, Debian's prometheus-alertmanager, and an
 * HTTPS receiver that asks for a client certificate.
 */
export interface Peer {
  readonly port: number;
  /** SIGKILL (or close, for the in-process receiver) and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same state directory. */
  start(): Promise<void>;
}

export interface Certs {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function makeCerts(dir: string): Certs {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=vigil-test-ca', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'],
    ['client', 'vigil-agent', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(p(`${name}.ext`), `${ext}\n`);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`));
    ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.pem`));
  }
  return { dir, ca: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key') };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/** A child process peer: `args(port)` runs it; it is up once the port accepts. */
async function processPeer(name: string, cmd: string, args: (port: number) => string[], logFile: string): Promise<Peer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const peer: Peer = {
    port,
    async start() {
      const c = spawn(cmd, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      const keep = (d: Buffer) => {
        log = (log + d.toString()).slice(-20_000);
      };
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      c.once('exit', () => writeFileSync(logFile, log));
      await waitFor(async () => {
        if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}: ${log}`);
        return portOpen(port);
      }, `${name} on port ${port}`).catch((err: Error) => {
        throw new Error(`${err.message}\n${name} output:\n${log}`);
      });
    },
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
  };
  await peer.start();
  return peer;
}

/**
 * rsyslogd in the foreground with one imtcp input writing every message's
 * raw text, one per line, to `file`. With `certs`: TLS (gtls) that requires
 * a client certificate from the CA (mTLS).
 */
export async function startRsyslog(dir: string, certs?: Certs): Promise<Peer & { readonly file: string }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'received.log');
  const conf = join(dir, 'rsyslog.conf');
  return Object.assign(
    await processPeer(
      `rsyslog${certs ? ' (TLS)' : ''}`,
      'rsyslogd',
      (port) => {
        writeFileSync(
          conf,
          [
            `global(workDirectory="${dir}"${certs ? ` DefaultNetstreamDriverCAFile="${certs.ca}" DefaultNetstreamDriverCertFile="${certs.serverCert}" DefaultNetstreamDriverKeyFile="${certs.serverKey}"` : ''})`,
            certs ? 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")' : 'module(load="imtcp")',
            `input(type="imtcp" address="127.0.0.1" port="${port}")`,
            'template(name="raw" type="string" string="%rawmsg%\\n")',
            `action(type="omfile" file="${file}" template="raw")`,
          ].join('\n'),
        );
        return ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')];
      },
      join(dir, 'rsyslogd.out'),
    ),
    { file },
  );
}

/** nats-server with JetStream, its store in `dir` (kept across restarts). */
export async function startNats(dir: string): Promise<Peer> {
  mkdirSync(dir, { recursive: true });
  return processPeer('nats-server', 'nats-server', (port) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'store'), '--http_port', '0'], join(dir, 'nats.out'));
}

/** prometheus-alertmanager with a receiver that sends nowhere, alone (no cluster). */
export async function startAlertmanager(dir: string): Promise<Peer> {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'alertmanager.yml');
  writeFileSync(conf, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  return processPeer(
    'alertmanager',
    'prometheus-alertmanager',
    (port) => [`--config.file=${conf}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    join(dir, 'alertmanager.out'),
  );
}

/** An HTTPS receiver that requires a client certificate from `certs`' CA and keeps every body. */
export async function startHttpsReceiver(certs: Certs): Promise<Peer & { readonly bodies: string[]; readonly headers: Record<string, string | string[] | undefined>[] }> {
  const port = await freePort();
  const bodies: string[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  let server: HttpsServer | undefined;
  const sockets = new Set<Socket>();
  return {
    port,
    bodies,
    headers,
    async start() {
      server = createHttpsServer({ key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (d: string) => (body += d));
        req.on('end', () => {
          bodies.push(body);
          headers.push(req.headers);
          res.end('ok');
        });
      });
      server.on('secureConnection', (s: Socket) => {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async kill() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const c of sockets) c.destroy();
      await new Promise((r) => s.close(r));
    },
  };
}
