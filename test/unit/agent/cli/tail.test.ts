import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTail } from '../../../../agent/cli/tail.js';
import { createHub } from '../../../../agent/delivery/hub.js';
import { tailColumns, tailLine } from '../../../../agent/delivery/tail-format.js';
import { escapeControl } from '../../../../agent/outputs/escape.js';
import { createGrpcServer, type GrpcServer } from '../../../../agent/grpc/server.js';
import { compileOutput } from '../../../../rules/compiler/output.js';
import { testDeps } from '../../../helpers/deps.js';

const HOSTILE = 'evil\n\r\x1b[31mred\x1b]0;title\x07\u202eabc\u2028|=\\"\'\x00\x9b';

const running: GrpcServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  err.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return { out, err, text: () => stdout, errText: () => stderr };
}

/** A real gRPC server on loopback over a fresh hub. */
async function serve(): Promise<{ hub: ReturnType<typeof createHub>; addr: string }> {
  const deps = testDeps();
  const hub = createHub(deps, { node: 'n', ringSize: 100, bootId: 'b' });
  const server = createGrpcServer(deps, { addr: { host: '127.0.0.1', port: 0 }, hub, maxQueue: 100 });
  running.push(server);
  await server.start(new AbortController().signal);
  return { hub, addr: `127.0.0.1:${server.address()!.port}` };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('vigil tail formatting', () => {
  it('escapes every control, bidi and separator character and the backslash', () => {
    const e = escapeControl(HOSTILE);
    expect(e).toBe('evil\\n\\r\\x1b[31mred\\x1b]0;title\\x07\\u202eabc\\u2028|=\\\\"\'\\x00\\x9b');
    expect(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(e)).toBe(false);
  });

  it('a hostile process name cannot forge a line or colour in any column', () => {
    const env = {
      payload: 'exec',
      timeUnixNano: '1700000000123000000',
      exec: { process: { pid: 7, name: HOSTILE, args: [HOSTILE] }, pod: { namespace: HOSTILE, name: 'p' } },
    };
    for (const colour of [false, true]) {
      const line = tailLine(env, colour);
      expect(line.includes('\n')).toBe(false);
      expect(line.includes('\r')).toBe(false);
      // Only our own SGR sequences may appear in colour mode.
      const withoutOurs = line.replace(/\x1b\[(?:0|2|1;3[15]|3[1-6]|90)m/g, '');
      expect(withoutOurs.includes('\x1b')).toBe(false);
    }
    expect(tailColumns(env)).toMatchObject({ what: 'exec', time: '22:13:20.123' });
  });

  it('prints a loss notice as such', () => {
    const c = tailColumns({ payload: 'loss', loss: { firstSequence: '8', lastSequence: '13', count: '6', reason: 'subscriber_queue_full' } });
    expect(c).toMatchObject({ priority: 'LOSS', what: 'missed 6', where: 'sequences 8..13', process: 'subscriber_queue_full' });
  });
});

describe('vigil tail', () => {
  it('streams JSON lines off a TTY, hostile values intact and escaped, and exits 0 on Ctrl-C', async () => {
    const { hub, addr } = await serve();
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'bash', args: ['-c', HOSTILE] } });
    hub.publishAlert({ time: '2023-11-14T22:13:20.1Z', rule: HOSTILE, priority: 'Critical', output: HOSTILE, output_fields: { 'proc.cmdline': HOSTILE }, hostname: 'n', source: 'syscall', tags: [] });
    const io = capture();
    const signals = new EventEmitter();
    const done = runTail(['--addr', addr, '--since', '0', '--kind', 'alert'], { stdout: io.out, stderr: io.err, isTTY: false, signals: signals as never });
    await until(() => io.text().split('\n').length >= 2);
    signals.emit('SIGINT');
    expect(await done).toBe(0);
    const lines = io.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const env = JSON.parse(lines[0]!);
    expect(env.alert.rule).toBe(HOSTILE);
    expect(env.alert.outputFields['proc.cmdline'].stringValue).toBe(HOSTILE);
  });

  it('prints the same JSON whether the stream is COMPACT (the default) or FULL', async () => {
    const { hub, addr } = await serve();
    const layout = compileOutput('shell %proc.cmdline in %k8s.pod.name').layout;
    for (let i = 0; i < 3; i++) {
      const fields = { 'proc.cmdline': `${HOSTILE} ${i}`, 'container.id': 'c', 'container.name': null, 'k8s.ns.name': 'shop', 'k8s.pod.name': 'web' };
      const output = `22:13:20.100000000: Critical shell ${HOSTILE} ${i} in web`;
      hub.publishAlert({ time: '2023-11-14T22:13:20.100000000Z', rule: 'R', priority: 'Critical', output, output_fields: fields, hostname: 'n', source: 'syscall', tags: ['t'] }, undefined, layout);
    }
    const run = async (extra: string[]): Promise<string[]> => {
      const io = capture();
      const signals = new EventEmitter();
      const done = runTail(['--addr', addr, '--since', '0', ...extra], { stdout: io.out, stderr: io.err, isTTY: false, signals: signals as never });
      await until(() => io.text().split('\n').length >= 4);
      signals.emit('SIGINT');
      expect(await done).toBe(0);
      return io.text().trim().split('\n');
    };
    const compact = await run([]);
    const full = await run(['--encoding', 'full']);
    expect(compact).toHaveLength(3);
    expect(compact).toEqual(full);
    expect(JSON.parse(compact[2]!).alert.output).toBe(`22:13:20.100000000: Critical shell ${HOSTILE} 2 in web`);
  });

  it('aligned colour lines on a TTY', async () => {
    const { hub, addr } = await serve();
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 1, name: 'bash' }, k8s: { ns: 'shop', podName: 'web' } });
    hub.publishEvent({ type: 'execve', source: 'syscall', timeMs: 1, proc: { pid: 22222, name: 'nc' } });
    const io = capture();
    const signals = new EventEmitter();
    const done = runTail(['--addr', addr, '--since', '0'], { stdout: io.out, stderr: io.err, isTTY: true, signals: signals as never });
    await until(() => io.text().split('\n').length >= 3);
    signals.emit('SIGINT');
    expect(await done).toBe(0);
    const plain = io
      .text()
      .trim()
      .split('\n')
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(plain).toHaveLength(2);
    expect(plain[0]).toContain('shop/web/-');
    expect(plain[1]).toContain('host');
    // Columns line up: the process column starts at the same offset on both lines.
    expect(plain[0]!.indexOf('bash[1]')).toBe(plain[1]!.indexOf('nc[22222]'));
  });

  it('exits 2 on a bad argument and 1 when the agent refuses the filter', async () => {
    const io = capture();
    expect(await runTail(['--kind', 'nope'], { stdout: io.out, stderr: io.err, isTTY: false })).toBe(2);
    expect(await runTail(['--min-priority', 'loud'], { stdout: io.out, stderr: io.err, isTTY: false })).toBe(2);
    expect(await runTail(['--encoding', 'tiny'], { stdout: io.out, stderr: io.err, isTTY: false })).toBe(2);
    const { addr } = await serve();
    const io2 = capture();
    expect(await runTail(['--addr', addr, '--condition', 'proc.name ='], { stdout: io2.out, stderr: io2.err, isTTY: false, signals: new EventEmitter() as never })).toBe(1);
    expect(io2.errText()).toContain('condition');
  });
});
