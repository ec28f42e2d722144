import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyslogOutputConfig } from '../../../../agent/delivery/output-config.js';
import type { Envelope } from '../../../../agent/delivery/envelope.js';
import { createSyslogSink } from '../../../../agent/delivery/sinks/syslog.js';
import { parseCef, parseFrames } from './cef-parse.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function server(onConnection: (s: Socket, received: Buffer[]) => void): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const srv = createServer((s) => onConnection(s, received));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as { port: number }).port, received };
}

const cfg = (port: number): SyslogOutputConfig => ({
  type: 'syslog',
  name: 's',
  host: '127.0.0.1',
  port,
  facility: 'local0',
  timeoutMs: 2000,
  confirmMs: 100,
  filter: { kinds: ['alert'], minPriority: 'Debug', rules: [], namespaces: [] },
  spoolMaxBytes: 1 << 20,
  maxBackoffMs: 1000,
  batchSize: 10,
});

const env = (n: number): Envelope => ({
  node: 'n',
  bootId: 'b',
  sequence: n,
  eventId: `e${n}`,
  timeNs: 0n,
  kind: 'alert',
  alert: { time: '2026-01-01T00:00:00Z', rule: 'R', priority: 'Error', output: 'o', output_fields: {}, hostname: 'n', source: 's', tags: [] },
});

describe('syslog sink', () => {
  it('sends octet-counted frames over one connection, batch after batch', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const srv = await server((s, received) => s.on('data', (d: Buffer) => received.push(d)));
    const sink = createSyslogSink(cfg(srv.port));
    for (let i = 1; i <= 15; i++) await sink.send([env(i)]);
    await sink.close();
    process.off('warning', onWarning);
    const frames = parseFrames(Buffer.concat(srv.received));
    expect(frames.map((f) => parseCef(f.msg).ext.externalId)).toEqual(Array.from({ length: 15 }, (_, i) => `e${i + 1}`));
    expect(warnings).toEqual([]); // no listener piles up on the long-lived socket
  });

  it('fails the batch when the receiver drops the connection within the confirm window', async () => {
    const srv = await server((s) => s.once('data', () => s.destroy()));
    const sink = createSyslogSink(cfg(srv.port));
    await expect(sink.send([env(1)])).rejects.toThrow();
    await sink.close();
  });

  it('fails when nothing listens', async () => {
    const srv = await server(() => undefined);
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    await expect(createSyslogSink(cfg(srv.port)).send([env(1)])).rejects.toThrow(/ECONNREFUSED/);
  });
});
