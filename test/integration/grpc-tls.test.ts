import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribe, type WireEnvelope } from '../../agent/delivery/client.js';
import { createHub, type Hub } from '../../agent/delivery/hub.js';
import { createGrpcServer, type GrpcServer } from '../../agent/grpc/server.js';
import { GrpcTlsError } from '../../agent/grpc/tls.js';
import { testDeps } from '../helpers/deps.js';

/** openssl is part of every Debian install CI uses; without it these tests cannot make certificates. */
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.VIGIL_REQUIRE_INTEGRATION === '1') throw new Error('openssl is required for the gRPC TLS tests');
    console.warn('[vigil] skipping gRPC TLS tests: no openssl');
    return false;
  }
}

const ssl = (dir: string, ...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA and a certificate it signs, for `localhost` (server) or a client. */
function issue(dir: string, ca: string, name: string, cn: string, server: boolean): void {
  ssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const ext = join(dir, `${name}.ext`);
  execFileSync('sh', ['-c', `printf '%s\\n' '${server ? 'subjectAltName=DNS:localhost,IP:127.0.0.1' : 'extendedKeyUsage=clientAuth'}' > ${ext}`]);
  ssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext);
}
function makeCa(dir: string, name: string): void {
  ssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
}

const run = hasOpenssl();

describe.skipIf(!run)('gRPC over TLS and mTLS (real grpc-js client and server on loopback)', () => {
  let dir: string;
  const servers: GrpcServer[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-i9-tls-'));
    makeCa(dir, 'ca');
    makeCa(dir, 'ca2');
    makeCa(dir, 'clientca');
    issue(dir, 'ca', 'server', 'localhost', true);
    issue(dir, 'ca2', 'server2', 'localhost', true);
    issue(dir, 'clientca', 'client', 'subscriber', false);
    issue(dir, 'ca', 'stranger', 'stranger', false); // signed by the wrong CA for client auth
    // The files the server is configured with; tests overwrite them to rotate.
    copyFileSync(join(dir, 'server.crt'), join(dir, 'live.crt'));
    copyFileSync(join(dir, 'server.key'), join(dir, 'live.key'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(clientCa: boolean): Promise<{ hub: Hub; addr: string }> {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 10, bootId: 'b' });
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'sh' } });
    const server = createGrpcServer(deps, {
      addr: { host: '127.0.0.1', port: 0 },
      hub,
      maxQueue: 10,
      tls: { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key'), clientCaFile: clientCa ? join(dir, 'clientca.crt') : undefined, refreshIntervalMs: 200 },
    });
    servers.push(server);
    await server.start(new AbortController().signal);
    return { hub, addr: `localhost:${server.address()!.port}` };
  }

  /** Subscribes from sequence 0 and resolves with the first envelope, or the error. */
  async function firstEnvelope(addr: string, credentials: grpc.ChannelCredentials): Promise<WireEnvelope | grpc.ServiceError> {
    let first: WireEnvelope | undefined;
    const h = subscribe(
      addr,
      { sinceSequence: 0 },
      (e) => {
        first ??= e;
        h.cancel();
      },
      { credentials },
    );
    const err = await h.done;
    return first ?? err ?? (new Error('stream ended with nothing') as grpc.ServiceError);
  }

  const file = (name: string): Buffer => readFileSync(join(dir, name));

  it('TLS: a client trusting the CA subscribes; a plaintext client does not', async () => {
    const { addr } = await serve(false);
    expect(await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt')))).toMatchObject({ sequence: '1', payload: 'exec' });
    const plain = await firstEnvelope(addr, grpc.credentials.createInsecure());
    expect((plain as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('mTLS: only a client certificate signed by the client CA is served', async () => {
    const { addr } = await serve(true);
    const withCert = await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt'), file('client.key'), file('client.crt')));
    expect(withCert).toMatchObject({ sequence: '1' });
    const noCert = await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt')));
    expect((noCert as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
    const wrongCa = await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt'), file('stranger.key'), file('stranger.crt')));
    expect((wrongCa as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('a rotated certificate is served to new connections without a restart', async () => {
    const { addr } = await serve(false);
    expect(await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt')))).toMatchObject({ sequence: '1' });
    copyFileSync(join(dir, 'server2.crt'), join(dir, 'live.crt'));
    copyFileSync(join(dir, 'server2.key'), join(dir, 'live.key'));
    // Polled every 200 ms here: wait until a client trusting only the new CA gets in.
    let r: WireEnvelope | grpc.ServiceError = new Error('not tried') as grpc.ServiceError;
    for (let i = 0; i < 50; i++) {
      r = await firstEnvelope(addr, grpc.credentials.createSsl(file('ca2.crt')));
      if (!(r instanceof Error)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(r).toMatchObject({ sequence: '1' });
    const old = await firstEnvelope(addr, grpc.credentials.createSsl(file('ca.crt')));
    expect((old as grpc.ServiceError).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('unusable files stop the listener at start with a stable code', async () => {
    const deps = testDeps();
    const hub = createHub(deps, { node: 'n', ringSize: 10 });
    const server = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue: 10, tls: { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'client.key') } });
    servers.push(server);
    await expect(server.start(new AbortController().signal)).rejects.toBeInstanceOf(GrpcTlsError);
  });
});
