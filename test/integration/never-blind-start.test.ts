/**
 * Issue 7, defects 7 and 8: /readyz said ready while the agent was blind
 * (no right to read other users' processes, zero rules loaded after a
 * mistyped --rules, file descriptors exhausted); the Docker client's timeout
 * counted idle time only, so a trickling socket kept a request pending
 * forever; a config file on an endless device hung the start instead of
 * exiting 2; temp files a killed agent left next to the baseline stayed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerApi } from '../../collectors/runtime/docker-api.js';
import { integrationUnavailable } from './docker-env.js';
import { spawnRawAgent, until, type RawAgent } from './harness/raw-agent.js';

const skip = integrationUnavailable();
const repo = join(import.meta.dirname, '../..');
const MAIN = join(repo, 'dist/agent/main.js');
const RULE = '- rule: Start marker\n  desc: d\n  condition: evt.type = execve and proc.name = vigilstartmark\n  output: marker (pid=%proc.pid)\n  priority: NOTICE\n';

describe.skipIf(skip)('/readyz says ready only when the agent can detect', () => {
  let tmp = '';
  const agents: RawAgent[] = [];
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
    tmp = mkdtempSync(join(tmpdir(), 'vigil-i7-start-'));
    chmodSync(tmp, 0o755);
    writeFileSync(join(tmp, 'rules.yaml'), RULE);
    chmodSync(join(tmp, 'rules.yaml'), 0o644);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  const settled = async (agent: RawAgent) => {
    await agent.waitListening();
    // Every component started: the live checks decide from here on.
    return until('all components started', async () => {
      const r = await agent.readyz();
      return r.body.checks.started?.ok ? r : undefined;
    });
  };

  it('a mistyped --rules (zero rules loaded) is not ready, and says so', async () => {
    const agent = await spawnRawAgent(['--output', 'none', '--rules', join(tmp, 'rulez.yaml')]);
    agents.push(agent);
    const r = await settled(agent);
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('not ready');
    expect(r.body.checks.rules_loaded).toEqual({ ok: false, detail: 'no enabled rules: check --rules and the load errors in the log' });
    expect(r.body.checks.exec_source).toMatchObject({ ok: true });
  });

  it("without the right to read other users' processes it is not ready, and says so", async () => {
    const agent = await spawnRawAgent(['--output', 'none', '--rules', join(tmp, 'rules.yaml'), '--exec-mode', 'poll'], { user: '65534' });
    agents.push(agent);
    const r = await settled(agent);
    expect(r.status).toBe(503);
    expect(r.body.checks.proc_access).toMatchObject({ ok: false, detail: expect.stringMatching(/cannot read other users' processes .*EACCES/) });
    expect(r.body.checks.rules_loaded).toMatchObject({ ok: true });
  });

  it('with file descriptors nearly exhausted it is not ready, and says so', async () => {
    const limit = 256;
    const agent = await spawnRawAgent(
      ['--output', 'none', '--rules', join(tmp, 'rules.yaml'), '--http-max-connections', '1000', '--http-headers-timeout-ms', '60000', '--http-request-timeout-ms', '120000'],
      { nofile: limit },
    );
    agents.push(agent);
    expect((await settled(agent)).status).toBe(200);
    const held: Socket[] = [];
    const fds = () => readdirSync(`/proc/${agent.child.pid}/fd`).length;
    // Idle connections up to 92 % of the limit (each holds one fd in the agent), then a pause so all are accepted.
    const n = Math.ceil(limit * 0.92) - fds();
    for (let i = 0; i < n; i++) {
      const s = connect(agent.port, '127.0.0.1');
      s.on('error', () => undefined);
      held.push(s);
      await new Promise((r) => s.once('connect', r));
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const r = await agent.readyz();
      expect(r.status).toBe(503);
      expect(r.body.checks.fd_headroom).toMatchObject({ ok: false, detail: expect.stringMatching(new RegExp(`of ${limit} file descriptors open: over 90 %`)) });
    } finally {
      for (const s of held) s.destroy();
    }
    await until('ready again once the connections are gone', async () => ((await agent.readyz()).status === 200 ? true : undefined));
  });

  it('removes baseline temp files a killed agent left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-i7-baseline-'));
    const baseline = join(dir, 'baseline.json');
    writeFileSync(`${baseline}.tmp-4242`, '{"half":');
    writeFileSync(`${baseline}.tmp-99999999`, '');
    writeFileSync(join(dir, 'unrelated.tmp-1'), 'keep');
    const agent = await spawnRawAgent(['--output', 'none', '--rules', join(tmp, 'rules.yaml'), '--baseline-path', baseline]);
    agents.push(agent);
    await settled(agent);
    await until('the stale temp files removed', () => (!existsSync(`${baseline}.tmp-4242`) && !existsSync(`${baseline}.tmp-99999999`) ? true : undefined), 10_000);
    expect(existsSync(join(dir, 'unrelated.tmp-1'))).toBe(true);
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a config file on an endless device, a FIFO or too large exits 2 at once', () => {
    const fifo = join(tmp, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const big = join(tmp, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    for (const [path, why] of [
      ['/dev/zero', 'not a regular file'],
      [fifo, 'not a regular file'],
      [big, 'larger than 1048576 bytes'],
    ] as const) {
      const r = spawnSync(process.execPath, [MAIN, 'agent', '--config', path, '--metrics-addr', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20_000 });
      expect({ status: r.status, signal: r.signal }).toEqual({ status: 2, signal: null });
      expect(r.stderr).toContain(`cannot read ${path}: ${why}`);
    }
  });

  it('the Docker client gives up on a socket that trickles a byte every few hundred ms (total timeout, not idle)', async () => {
    const sock = join(tmp, 'trickle.sock');
    const trickles = new Set<NodeJS.Timeout>();
    const server = createNetServer((c) => {
      c.on('error', () => undefined);
      c.once('data', () => {
        c.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n');
        const t = setInterval(() => c.write(' '), 200);
        trickles.add(t);
        c.on('close', () => clearInterval(t));
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const api = createDockerApi(sock, 1000);
      await expect(api.inspectContainer('abc')).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      await expect(api.ping()).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    } finally {
      for (const t of trickles) clearInterval(t);
      await new Promise((r) => server.close(r));
    }
  });
});
