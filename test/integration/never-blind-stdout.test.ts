/**
 * Issue 7, defect 1: a slow stdout reader must be backpressure, never a
 * permanent failure. Node puts fd 1 in O_NONBLOCK as soon as anything
 * touches process.stdout (the CLI asks process.stdout.isTTY), so a full
 * pipe answers EAGAIN; the writer used to mark the output broken there and
 * drop every later alert as write_error, also after the reader caught up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { spawnRawAgent, until, type RawAgent } from './harness/raw-agent.js';

const skip = integrationUnavailable();
const repo = join(import.meta.dirname, '../..');

describe.skipIf(skip)('stdout output under a slow and a vanished reader', () => {
  let tmp = '';
  const agents: RawAgent[] = [];
  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
    tmp = mkdtempSync(join(tmpdir(), 'vigil-i7-stdout-'));
    // vigilafter is a shell run as `-c 'sleep 0.3'`: it lives long enough to be read on a busy machine.
    for (const name of ['vigilflood', 'vigilafter']) {
      copyFileSync(name === 'vigilflood' ? '/bin/true' : '/bin/sh', join(tmp, name));
      chmodSync(join(tmp, name), 0o755);
    }
    writeFileSync(
      join(tmp, 'rules.yaml'),
      ['vigilflood', 'vigilafter']
        .map((n) =>
          [
            `- rule: Marker ${n}`,
            '  desc: a test marker ran',
            `  condition: evt.type = execve and proc.name = ${n}`,
            `  output: ${n} ran (pid=%proc.pid cmdline=%proc.cmdline)`,
            '  priority: NOTICE',
            '',
          ].join('\n'),
        )
        .join('\n'),
    );
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('slow reader then fast reader: every alert raised after the reader resumes arrives', async () => {
    const agent = await spawnRawAgent(['--output', 'json', '--rules', join(tmp, 'rules.yaml'), '--output-max-queue', '500']);
    agents.push(agent);
    const stdout = agent.child.stdout!;
    stdout.pause(); // the reader sleeps: nothing is read from the pipe
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));
    // The condition of the defect: fd 1 is non-blocking inside the agent.
    const flags = /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/${agent.child.pid}/fdinfo/1`, 'utf8'))![1]!;
    expect(Number.parseInt(flags, 8) & 0o4000).toBe(0o4000);

    // A few thousand alerts: far more than the pipe (64 KiB), the stream buffer and the queue hold.
    const flood = spawnSync('sh', ['-c', `i=0; while [ $i -lt 3000 ]; do ${join(tmp, 'vigilflood')} $(printf 'x%.0s' $(seq 40)); i=$((i+1)); done`]);
    expect(flood.status).toBe(0);
    await until('queue_full drops', async () => (((await agent.metric('vigil_output_dropped_total', { reason: 'queue_full' })) ?? 0) > 0 ? true : undefined)).catch((e: unknown) => {
      throw new Error(`${String(e)} exit=${agent.child.exitCode}\n${agent.stderr().slice(-3000)}`);
    });
    expect((await agent.readyz()).body.checks.outputs).toMatchObject({ ok: true });
    expect(await agent.metric('vigil_output_up', { output: 'json' })).toBe(1);

    // The reader wakes up and reads fast from now on.
    let out = '';
    stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    stdout.resume();
    await until('the backlog drained', async () => ((await agent.metric('vigil_output_queue_depth', { output: 'json' })) === 0 ? true : undefined));
    const pids: number[] = [];
    for (let i = 0; i < 20; i++) pids.push(spawnSync(join(tmp, 'vigilafter'), ['-c', 'sleep 0.3', String(i)]).pid!);
    await until(
      'the 20 alerts raised after the reader resumed',
      () => {
        const seen = pids.filter((p) => out.includes(`vigilafter ran (pid=${p} `));
        return seen.length === 20 ? true : undefined;
      },
      30_000,
    ).catch(() => undefined);
    const missing = pids.filter((p) => !out.includes(`vigilafter ran (pid=${p} `));
    expect(missing, agent.stderr().slice(-2000)).toEqual([]);
    expect((await agent.metric('vigil_output_dropped_total', { reason: 'write_error' })) ?? 0).toBe(0);
    // Every line on stdout is whole JSON: backpressure never tore a line.
    for (const line of out.split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('a reader that is gone (EPIPE) is reported in vigil_output_up and /readyz', async () => {
    const agent = await spawnRawAgent(['--output', 'json', '--rules', join(tmp, 'rules.yaml')]);
    agents.push(agent);
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));
    agent.child.stdout!.destroy(); // the reader closes its end
    spawnSync(join(tmp, 'vigilafter'), ['-c', 'sleep 0.3']);
    const ready = await until('/readyz 503', async () => {
      const r = await agent.readyz();
      return r.status === 503 ? r.body : undefined;
    });
    expect(ready.checks.outputs).toMatchObject({ ok: false, detail: expect.stringContaining('EPIPE') });
    expect(await agent.metric('vigil_output_up', { output: 'json' })).toBe(0);
  });

  it('pretty output shows control characters from process arguments escaped (no fake lines, no terminal reset)', async () => {
    const agent = await spawnRawAgent(['--output', 'pretty', '--rules', join(tmp, 'rules.yaml')]);
    agents.push(agent);
    let out = '';
    agent.child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    await agent.waitListening();
    await until('/readyz 200', async () => ((await agent.readyz()).status === 200 ? true : undefined));
    const evil = 'x\r\x1b[2K2026-01-01T00:00:00Z Critical [Reverse Shell] fake\x07\x0b\x08\u009b0m\x1bc';
    const pid = spawnSync(join(tmp, 'vigilafter'), ['-c', 'sleep 0.3', evil]).pid!;
    const line = await until('the pretty alert', () => out.split('\n').find((l) => l.includes(`pid=${pid} `)), 30_000);
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(line).toContain('x\\r\\x1b[2K2026-01-01T00:00:00Z Critical [Reverse Shell] fake\\x07\\x0b\\x08\\x9b0m\\x1bc');
  });
});
