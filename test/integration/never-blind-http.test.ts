/**
 * Issue 7, defect 2: one HTTP client could take the agent's memory (2,000
 * pipelined GET /metrics on a connection that never reads: RSS 86 MB ->
 * 1.46 GB) or its file descriptors (~20,000 idle connections: /proc reads
 * then failed with EMFILE while /readyz said 200); unknown methods and a
 * 1 MB header got a TCP reset instead of 405/431.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { spawnRawAgent, until, type RawAgent } from './harness/raw-agent.js';

const skip = integrationUnavailable();
const repo = join(import.meta.dirname, '../..');

const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Sends raw bytes, resolves with what came back (until close or `waitMs`). */
function raw(port: number, data: string | Buffer, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect(port, '127.0.0.1');
    s.on('data', (c) => (got += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    s.write(data, () => undefined);
    setTimeout(() => {
      s.destroy();
    }, waitMs).unref();
  });
}

describe.skipIf(skip)('bounded HTTP listener', () => {
  let tmp = '';
  const agents: RawAgent[] = [];
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
    tmp = mkdtempSync(join(tmpdir(), 'vigil-i7-http-'));
    copyFileSync('/bin/sh', join(tmp, 'vigilhttpmark')); // run as -c 'sleep 0.5': lives long enough to be read
    chmodSync(join(tmp, 'vigilhttpmark'), 0o755);
    writeFileSync(
      join(tmp, 'rules.yaml'),
      [
        '- rule: HTTP test marker',
        '  desc: the marker ran',
        '  condition: evt.type = execve and proc.name = vigilhttpmark',
        '  output: vigilhttpmark ran (pid=%proc.pid)',
        '  priority: NOTICE',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('2,000 pipelined /metrics on a connection that never reads keep RSS under 150 MB', async () => {
    const agent = await spawnRawAgent(['--output', 'none', '--rules', join(tmp, 'rules.yaml')]);
    agents.push(agent);
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));
    const before = rssMb(agent.child.pid!);
    const s: Socket = connect(agent.port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    s.pause(); // never reads
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2000));
    let peak = before;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      peak = Math.max(peak, rssMb(agent.child.pid!));
    }
    s.destroy();
    console.log(`[http] RSS before ${before.toFixed(0)} MB, peak under 2,000 pipelined scrapes ${peak.toFixed(0)} MB`);
    expect(peak).toBeLessThan(150);
    expect(await agent.metric('vigil_http_rejected_total', { reason: 'pipelining' })).toBeGreaterThan(0);
    expect((await agent.readyz()).status).toBe(200);
  });

  it('25,000 connection attempts leave the agent reading /proc and alerting', async () => {
    // A 4,096-fd limit makes exhaustion reachable (the test process itself may hold 20,000).
    const agent = await spawnRawAgent(['--output', 'json', '--rules', join(tmp, 'rules.yaml')], { nofile: 4096 });
    agents.push(agent);
    let out = '';
    agent.child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));

    let attempts = 0;
    let held: Socket[] = [];
    const wave = async (n: number): Promise<void> => {
      const opened = await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<Socket>((resolve) => {
              attempts++;
              const s = connect(agent.port, '127.0.0.1');
              s.on('error', () => undefined);
              s.once('connect', () => resolve(s));
              s.once('error', () => resolve(s));
            }),
        ),
      );
      held.push(...opened);
    };
    // Waves of 5,000 idle connections, the last wave still open while the agent must work.
    for (let w = 0; w < 5; w++) {
      if (w > 0) {
        for (const s of held) s.destroy();
        held = [];
      }
      await wave(5000);
    }
    expect(attempts).toBe(25_000);
    const fds = readdirSync(`/proc/${agent.child.pid}/fd`).length;
    const pid = spawnSync(join(tmp, 'vigilhttpmark'), ['-c', 'sleep 0.5']).pid!;
    await until('the marker alert', () => (out.includes(`vigilhttpmark ran (pid=${pid})`) ? true : undefined), 30_000);
    for (const s of held) s.destroy();
    console.log(`[http] agent fds with 5,000 idle connections held: ${fds}`);
    expect(fds).toBeLessThan(1000);
    expect(agent.stderr()).not.toContain('EMFILE');
    expect(await agent.metric('vigil_http_rejected_total', { reason: 'max_connections' })).toBeGreaterThan(0);
    const ready = await agent.readyz();
    expect(ready.body.checks.fd_headroom).toMatchObject({ ok: true });
  });

  it('answers an unknown method with 405 and a 1 MB header with 431', async () => {
    const agent = await spawnRawAgent(['--output', 'none', '--rules', join(tmp, 'rules.yaml')]);
    agents.push(agent);
    await agent.waitListening();
    expect(await raw(agent.port, 'FROB /metrics HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n[\s\S]*Allow: GET, HEAD/);
    expect(await raw(agent.port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await raw(agent.port, 'PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')).toMatch(/^HTTP\/1\.1 405 /);
    expect(await agent.metric('vigil_http_rejected_total', { reason: 'header_too_large' })).toBeGreaterThan(0);
  });

  it('serves HTTPS to clients with a certificate from the configured CA only', async () => {
    const dir = join(tmp, 'tls');
    const sh = (cmd: string): void => void execFileSync('sh', ['-c', cmd], { cwd: tmp, stdio: 'pipe' });
    sh(`mkdir -p ${dir} && cd ${dir} && \
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=vigil-test-ca && \
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 && \
      printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && \
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext && \
      openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=prometheus && \
      openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1`);
    const agent = await spawnRawAgent([
      '--output',
      'none',
      '--rules',
      join(tmp, 'rules.yaml'),
      '--metrics-tls-cert-file',
      join(dir, 'server.crt'),
      '--metrics-tls-key-file',
      join(dir, 'server.key'),
      '--metrics-tls-client-ca-file',
      join(dir, 'ca.crt'),
    ]);
    agents.push(agent);
    const curl = (...extra: string[]) =>
      spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(dir, 'ca.crt'), ...extra, `https://127.0.0.1:${agent.port}/metrics`], { encoding: 'utf8' });
    await until('HTTPS listening', () => (curl('--cert', join(dir, 'client.crt'), '--key', join(dir, 'client.key')).stdout === '200' ? true : undefined), 30_000);
    const anonymous = curl();
    expect(anonymous.stdout).not.toBe('200');
    expect(spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${agent.port}/metrics`], { encoding: 'utf8' }).stdout).not.toBe('200');
  });
});
