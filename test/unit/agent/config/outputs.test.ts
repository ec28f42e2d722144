import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../agent/config/index.js';
import { ConfigError } from '../../../../agent/errors.js';

function load(file: string, env: Record<string, string> = {}) {
  return loadConfig({ flags: { config: '/cfg.yaml' }, env, readFile: () => file });
}

function issues(file: string): string[] {
  try {
    load(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

const EVERY_TYPE = `
spoolDir: /var/lib/vigil/spool
outputs:
  - name: events-file
    type: file
    path: /var/log/vigil/events.jsonl
    maxBytes: 104857600
    maxFiles: 3
    filter: { kinds: [alert, exec], minPriority: Notice }
  - name: sidekick
    type: http
    url: https://falcosidekick.monitoring:2801/
    headers: { Authorization: Bearer abc }
    tls: { caFile: /etc/vigil/ca.pem, certFile: /etc/vigil/client.pem, keyFile: /etc/vigil/client.key }
  - name: siem
    type: syslog
    host: siem.example.com
    port: 6514
    tls: { caFile: /etc/vigil/ca.pem }
    facility: local4
    filter: { minPriority: Warning, namespaces: [shop, payments] }
    spool: { maxBytes: 268435456 }
  - name: am
    type: alertmanager
    url: http://alertmanager:9093
    resolveAfterMs: 600000
    filter: { rules: [Reverse Shell] }
  - name: bus
    type: nats
    servers: [nats://nats-1:4222, nats://nats-2:4222]
    subjectPrefix: security.vigil
`;

describe('outputs config', () => {
  it('reads every output type with its defaults', () => {
    const c = load(EVERY_TYPE);
    expect(c.outputs.map((o) => `${o.name}:${o.type}`)).toEqual(['events-file:file', 'sidekick:http', 'siem:syslog', 'am:alertmanager', 'bus:nats']);
    const [file, http, syslog, am, nats] = c.outputs;
    expect(file).toMatchObject({ maxFiles: 3, filter: { kinds: ['alert', 'exec'], minPriority: 'Notice', rules: [], namespaces: [] }, spoolMaxBytes: 64 << 20 });
    expect(http).toMatchObject({ headers: { Authorization: 'Bearer abc' }, tls: { certFile: '/etc/vigil/client.pem' }, timeoutMs: 10_000, filter: { kinds: ['alert'] } });
    expect(syslog).toMatchObject({ port: 6514, facility: 'local4', spoolMaxBytes: 268435456, confirmMs: 250, filter: { namespaces: ['shop', 'payments'] } });
    expect(am).toMatchObject({ resolveAfterMs: 600_000, filter: { rules: ['Reverse Shell'] } });
    expect(nats).toMatchObject({ servers: ['nats://nats-1:4222', 'nats://nats-2:4222'], subjectPrefix: 'security.vigil' });
    expect(Object.isFrozen(c.outputs[0]!.filter)).toBe(true);
  });

  it('defaults to no outputs, and takes the list from env as YAML too', () => {
    expect(loadConfig({ flags: {}, env: {} }).outputs).toEqual([]);
    const c = loadConfig({ flags: {}, env: { VIGIL_OUTPUTS: '[{name: f, type: file, path: /tmp/x.jsonl}]' } });
    expect(c.outputs[0]).toMatchObject({ name: 'f', type: 'file', path: '/tmp/x.jsonl' });
  });

  it('reports each problem at its path', () => {
    expect(
      issues(`
outputs:
  - name: Bad Name
    type: file
  - name: x
    type: carrier-pigeon
  - name: h
    type: http
    url: ftp://example.com
    headers: { "bad header": "v" }
    tls: { certFile: /c.pem }
    retries: 3
  - name: s
    type: syslog
    host: h
    port: 70000
    filter: { kinds: [exec], minPriority: Loud }
  - name: k
    type: file
    path: /x
    filter: { kinds: [alert, bogus] }
  - name: h
    type: nats
    servers: []
`),
    ).toEqual([
      'outputs[0].name: must be lower-case letters, digits, `-` and `_` (it names the spool directory and the metric label) (got "Bad Name")',
      'outputs[0].path: is required',
      'outputs[1].type: must be one of file, http, syslog, alertmanager, nats (got "carrier-pigeon")',
      'outputs[2].url: must be an http:// or https:// URL (got "ftp://example.com")',
      'outputs[2].headers: must map header names (RFC 9110 tokens) to single-line strings',
      'outputs[2].tls: certFile and keyFile go together (client certificate for mTLS)',
      'outputs[2].retries: unknown key',
      'outputs[3].filter.minPriority: must be one of Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug (got "Loud")',
      'outputs[3].filter.kinds: a syslog output carries alerts only (and loss notices, which always pass)',
      'outputs[3].port: must be an integer between 1 and 65535 (got 70000)',
      'outputs[4].filter.kinds: must be a list of values from exec, exit, connection, stdio, container, metric, alert, loss (got ["alert","bogus"])',
      'outputs[5].servers: must list at least one nats:// or tls:// server',
      'outputs[5].name: "h" is used by an earlier output',
    ]);
  });

  it('says a list is needed', () => {
    expect(issues('outputs: {name: x}')).toEqual(['outputs: must be a list of outputs']);
  });
});
