/**
 * The agent as users run it: the built CLI (`node dist/agent/main.js agent`)
 * on the real host. Builds first (npm test's pretest does too; this keeps
 * the file runnable on its own).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { until } from './harness/raw-agent.js';

const repo = join(import.meta.dirname, '../..');
const main = join(repo, 'dist/agent/main.js');
const skip = integrationUnavailable();

interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly stdout: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnAgent(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [main, 'agent', ...args], {
    cwd: repo,
    // Port 0: the default gRPC port may be taken by another agent on this machine.
    env: { ...process.env, VIGIL_LOG_LEVEL: 'info', VIGIL_GRPC_ADDR: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, stdout: () => out, exited };
}

describe.skipIf(skip)('vigil agent (built CLI)', () => {
  let agent: Running | undefined;

  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
  });
  afterAll(() => {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGKILL');
  });

  it('serves /readyz, lint-clean /metrics, /healthz, and exits 0 on SIGTERM within 2 s', async () => {
    agent = spawnAgent(['--metrics-addr', '127.0.0.1:0', '--output', 'json']);
    const a = agent;
    // Port 0: the agent logs the address it bound.
    const port = await until('the metrics address in the log', () => {
      const m = /metrics listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(a.stderr());
      if (a.child.exitCode !== null) throw new Error(`agent exited early:\n${a.stderr()}`);
      return m ? Number(m[1]) : undefined;
    });
    const base = `http://127.0.0.1:${port}`;
    const ready = await until('/readyz 200', async () => {
      const r = await fetch(`${base}/readyz`);
      const body = (await r.json()) as unknown;
      return r.status === 200 ? body : undefined;
    });
    expect(ready).toMatchObject({
      status: 'ready',
      details: {
        // The library's file and privilege rules need audit events: with --audit off (the default) they never fire, and say so.
        'rules-watcher': expect.stringMatching(/^\d+ rules active, 0 disabled for missing fields, [1-9]\d* disabled as never firing, 0 disabled by file$/),
        // Which metadata sources the agent found: informational, never holding readiness back.
        metadata: expect.stringContaining('kubernetes API: not used'),
      },
    });
    // The start log says which metadata sources it found, as /readyz does.
    const sourcesLine = await until('the metadata sources in the log', () =>
      a
        .stderr()
        .split('\n')
        .find((l) => l.includes('"msg":"metadata sources"') || l.includes('"msg":"no container runtime reachable')),
    );
    expect(sourcesLine).toContain('kubernetes API: not used');
    // Ready means able to detect: every check is in the detail, each ok.
    const checks = (ready as { checks: Record<string, { ok: boolean; detail: string }> }).checks;
    expect(Object.keys(checks).sort()).toEqual(['audit', 'exec_source', 'fd_headroom', 'outputs', 'proc_access', 'rules_loaded', 'runtime', 'started']);
    for (const c of Object.values(checks)) expect(c).toMatchObject({ ok: true, detail: expect.any(String) });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_build_info\{/m);
    expect(metrics).toMatch(/^vigil_component_errors_total|# TYPE vigil_component_errors_total counter/m);
    expect(metrics).toMatch(/^node_cpu_seconds_total\{/m);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect({ status: lint.status, stdout: lint.stdout, stderr: lint.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });

    // Logs are JSON lines on stderr; stdout holds alerts only (JSON lines, Falco's shape).
    for (const line of a.stderr().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    for (const line of a.stdout().split('\n').filter(Boolean)) {
      expect(Object.keys(JSON.parse(line) as object)).toEqual(['time', 'rule', 'priority', 'output', 'output_fields', 'hostname', 'source', 'tags']);
    }

    const t0 = performance.now();
    a.child.kill('SIGTERM');
    const exit = await a.exited;
    const ms = performance.now() - t0;
    console.log(`[agent] SIGTERM to exit: ${ms.toFixed(0)} ms`);
    expect(exit).toEqual({ code: 0, signal: null });
    // The spec's deadline (the agent itself enforces 1.9 s and would exit 1 past it).
    expect(ms).toBeLessThan(2000);
    expect(a.stderr()).toMatch(/"msg":"stopped"/);
  });

  it('exits 2 naming the key for a bad flag', async () => {
    const a = spawnAgent(['--scan-interval-ms', 'abc', '--metrics-addr', '127.0.0.1:0']);
    expect(await a.exited).toEqual({ code: 2, signal: null });
    expect(a.stderr()).toContain('scanIntervalMs: must be an integer between 100 and 3600000 (got "abc") [from flag --scan-interval-ms]');
  });

  it('exits 2 naming the key for a bad env var', async () => {
    const a = spawnAgent(['--metrics-addr', '127.0.0.1:0'], { VIGIL_OUTPUT: 'xml' });
    expect(await a.exited).toEqual({ code: 2, signal: null });
    expect(a.stderr()).toContain('output: must be one of pretty, json, none (got "xml") [from env VIGIL_OUTPUT]');
  });

  it('prints --help and --version', () => {
    const help = spawnSync(process.execPath, [main, 'agent', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--scan-interval-ms N');
    const version = spawnSync(main, ['--version'], { encoding: 'utf8' }); // via the shebang: the bin is executable
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('dispatches vigil rules validate to the rules CLI', () => {
    const libraryDir = join(repo, 'rules/library');
    const ok = spawnSync(process.execPath, [main, 'rules', 'validate', libraryDir], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const bad = spawnSync(process.execPath, [main, 'rules', 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown subcommand "nope"');
  });

  it('end to end: an exec on the host raises an alert from a --rules file, printed as Falco JSON on stdout', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vigil-agent-e2e-'));
    const marker = join(tmp, 'vigilmark');
    copyFileSync('/bin/sleep', marker);
    chmodSync(marker, 0o755);
    writeFileSync(
      join(tmp, 'rules.yaml'),
      [
        '- rule: E2E marker exec',
        '  desc: the test binary ran',
        '  condition: evt.type = execve and proc.name = vigilmark',
        '  output: marker ran (pid=%proc.pid exe=%proc.exepath)',
        '  priority: NOTICE',
        '  tags: [e2e]',
        '',
      ].join('\n'),
    );
    const a = spawnAgent(['--metrics-addr', '127.0.0.1:0', '--output', 'json', '--rules', join(tmp, 'rules.yaml'), '--scan-interval-ms', '200']);
    try {
      const port = await until('the metrics address', () => /metrics listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(a.stderr())?.[1]);
      await until('/readyz 200', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined));
      const child = spawn(marker, ['2'], { stdio: 'ignore' });
      const line = await until('the alert on stdout', () =>
        a
          .stdout()
          .split('\n')
          .find((l) => l.includes('E2E marker exec')),
      );
      child.kill();
      const alert = JSON.parse(line) as Record<string, unknown>;
      expect(alert).toMatchObject({ rule: 'E2E marker exec', priority: 'Notice', source: 'syscall', tags: ['e2e'] });
      expect(alert.output).toContain(`pid=${child.pid}`);
      expect((alert.output_fields as Record<string, unknown>)['proc.exepath']).toBe(marker);
    } finally {
      a.child.kill('SIGTERM');
      expect((await a.exited).code).toBe(0);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
