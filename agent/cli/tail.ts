import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { subscribe, type SubscribeRequestObject } from '../delivery/client.js';
import { tailJson, tailLine } from '../delivery/tail-format.js';
import type { CliIo } from './rules.js';

export const TAIL_USAGE = `Usage: vigil tail [options]

Streams a vigil agent's events and alerts (gRPC Subscribe): one aligned line
per envelope on a terminal (colour), one JSON object per line otherwise or
with --json. Loss notices print as LOSS lines. Ctrl-C exits. Alerts travel
COMPACT (their rule's schema once, then values) and are rebuilt here into
the same full envelopes --encoding full would receive.

  --addr HOST:PORT        agent's gRPC address (default 127.0.0.1:9868)
  --json                  JSON lines even on a terminal
  --kind KIND             exec, exit, connection, stdio, container, metric, alert (repeatable)
  --min-priority P        alerts at least this priority (Debug ... Emergency)
  --rule NAME             alerts of this rule only (repeatable)
  --namespace NS          pods in this namespace only (repeatable)
  --pod REGEX             pod name matches this RE2 regex
  --condition COND        rule-language condition on the event (e.g. 'proc.name = nc')
  --since SEQ             first replay what the agent still holds after this sequence
  --boot-id ID            the boot id --since belongs to
  --encoding E            compact (default) or full: how the agent encodes the stream
  --name NAME             this subscriber's name in the agent's metrics (default vigil-tail)
  --tls-ca FILE           TLS: CA that signed the agent's certificate
  --tls-cert FILE         mTLS: client certificate (with --tls-key)
  --tls-key FILE          mTLS: client key
  --server-name NAME      TLS: name to check in the agent's certificate
`;

const PRIORITIES = ['DEBUG', 'INFORMATIONAL', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const KINDS = ['exec', 'exit', 'connection', 'stdio', 'container', 'metric', 'alert', 'loss'];

/** Exit code for bad arguments; 1 when the stream fails. */
const EXIT_USAGE = 2;

export interface TailIo extends CliIo {
  /** Colour and aligned lines (a TTY); JSON otherwise. */
  readonly isTTY: boolean;
  /** Where SIGINT/SIGTERM come from (injectable for tests). */
  readonly signals?: Pick<NodeJS.Process, 'once' | 'off'>;
}

function parseTailArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      addr: { type: 'string', default: '127.0.0.1:9868' },
      json: { type: 'boolean', default: false },
      kind: { type: 'string', multiple: true },
      'min-priority': { type: 'string' },
      rule: { type: 'string', multiple: true },
      namespace: { type: 'string', multiple: true },
      pod: { type: 'string' },
      condition: { type: 'string' },
      since: { type: 'string' },
      'boot-id': { type: 'string' },
      encoding: { type: 'string', default: 'compact' },
      name: { type: 'string', default: 'vigil-tail' },
      'tls-ca': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'server-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `vigil tail`: resolves with the exit code (0 after Ctrl-C or when the agent ends the stream). */
export async function runTail(argv: readonly string[], io: TailIo): Promise<number> {
  let values: ReturnType<typeof parseTailArgs>['values'];
  try {
    values = parseTailArgs(argv).values;
  } catch (err) {
    io.stderr.write(`vigil tail: ${(err as Error).message}\n\n${TAIL_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(TAIL_USAGE);
    return 0;
  }
  const bad = (values.kind ?? []).find((k) => !KINDS.includes(k));
  if (bad !== undefined) {
    io.stderr.write(`vigil tail: --kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(bad)})\n`);
    return EXIT_USAGE;
  }
  if (values.since !== undefined && !/^\d{1,15}$/.test(values.since)) {
    io.stderr.write(`vigil tail: --since must be a sequence number (got ${JSON.stringify(values.since)})\n`);
    return EXIT_USAGE;
  }
  if (values.encoding !== 'compact' && values.encoding !== 'full') {
    io.stderr.write(`vigil tail: --encoding must be compact or full (got ${JSON.stringify(values.encoding)})\n`);
    return EXIT_USAGE;
  }
  const request: SubscribeRequestObject = {
    encoding: `ALERT_ENCODING_${values.encoding.toUpperCase()}`,
    kinds: (values.kind ?? []).map((k) => `KIND_${k.toUpperCase()}`),
    rules: values.rule ?? [],
    namespaces: values.namespace ?? [],
    podNameRegex: values.pod ?? '',
    condition: values.condition ?? '',
    bootId: values['boot-id'] ?? '',
    subscriberName: values.name,
  };
  if (values['min-priority']) {
    const p = values['min-priority'].toUpperCase();
    const name = p === 'INFO' ? 'INFORMATIONAL' : p;
    if (!PRIORITIES.includes(name)) {
      io.stderr.write(`vigil tail: --min-priority must be one of ${PRIORITIES.map((x) => x[0] + x.slice(1).toLowerCase()).join(', ')} (got ${JSON.stringify(values['min-priority'])})\n`);
      return EXIT_USAGE;
    }
    request.minPriority = `PRIORITY_${name}`;
  }
  if (values.since !== undefined) request.sinceSequence = Number(values.since);

  let credentials: grpc.ChannelCredentials | undefined;
  try {
    if (values['tls-ca'] || values['tls-cert']) {
      credentials = grpc.credentials.createSsl(
        values['tls-ca'] ? readFileSync(values['tls-ca']) : null,
        values['tls-key'] ? readFileSync(values['tls-key']) : null,
        values['tls-cert'] ? readFileSync(values['tls-cert']) : null,
      );
    }
  } catch (err) {
    io.stderr.write(`vigil tail: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }

  const colour = io.isTTY && !values.json;
  let handle: ReturnType<typeof subscribe>;
  try {
    handle = subscribe(values.addr, request, (env) => io.stdout.write(`${colour ? tailLine(env, true) : tailJson(env)}\n`), { credentials, serverName: values['server-name'] });
  } catch (err) {
    // A request protobufjs refuses (an unknown priority name) fails before any connection.
    io.stderr.write(`vigil tail: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const signals = io.signals ?? process;
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    handle.cancel();
  };
  signals.once('SIGINT', onSignal);
  signals.once('SIGTERM', onSignal);
  const err = await handle.done;
  signals.off('SIGINT', onSignal);
  signals.off('SIGTERM', onSignal);
  if (err && !interrupted) {
    io.stderr.write(`vigil tail: ${values.addr}: ${err.details || err.message}\n`);
    return 1;
  }
  return 0;
}
