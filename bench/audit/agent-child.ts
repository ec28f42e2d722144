/**
 * The audit source alone in its own process (as in the agent), driven over
 * stdin by bench/audit/run.ts: `plan a,b` (setPlan, answers `ok <mode>`),
 * `marker PATH` (count events touching PATH), `stats` (one JSON line),
 * `quit` (stop: the kernel is put back as found). Its CPU is what
 * "agent CPU per 1,000 events" measures.
 */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditSource } from '../../collectors/audit/index.js';

const registry = new Registry();
const src = createAuditSource(
  { log: pino({ level: 'warn' }, pino.destination(2)), registry, errors: { report: (c, s, e) => process.stderr.write(`${c}/${s}: ${(e as Error).message}\n`) } },
  { mode: 'on', backlogLimit: 8192, rateLimit: Number(process.env.BENCH_RATE_LIMIT ?? 20_000) },
);
let events = 0;
let markerEvents = 0;
let marker = '';
src.onEvent((e) => {
  events++;
  if (marker && e.paths.some((p) => p.name === marker)) markerEvents++;
});
await src.start(new AbortController().signal);
const say = (s: string): void => void process.stdout.write(`${s}\n`);
say(`ready ${src.status().mode}`);

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  const v = m ? (await m.get()).values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val)) : undefined;
  return v?.value ?? 0;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg = ''] = line.split(' ');
  if (cmd === 'plan') {
    src.setPlan({ syscalls: arg ? arg.split(',') : [] });
    await src.settled();
    say(`ok ${src.status().mode} ${src.status().auditedSyscalls.length}`);
  } else if (cmd === 'marker') {
    marker = arg;
    markerEvents = 0;
    say('ok');
  } else if (cmd === 'stats') {
    const cpu = process.cpuUsage();
    const lost: Record<string, number> = {};
    for (const reason of ['kernel', 'socket_overrun', 'malformed', 'group_full']) lost[reason] = await metric('vigil_audit_lost_total', { reason });
    say(JSON.stringify({ events, markerEvents, cpuUs: cpu.user + cpu.system, lost, kernelLost: await metric('vigil_audit_kernel_lost'), backlogLimit: await metric('vigil_audit_backlog_limit') }));
  } else if (cmd === 'quit') {
    await src.stop();
    say('bye');
    process.exit(0);
  }
}
