/**
 * An agent process that only runs the audit source with a plan, for the
 * crash test: it prints `ready <mode>` once its rule is in the kernel and
 * then waits to be killed (SIGKILL: no stop, no cleanup).
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditSource } from '../../../collectors/audit/index.js';

const src = createAuditSource({ log: pino({ level: 'silent' }), registry: new Registry(), errors: { report: () => undefined } }, { mode: 'on', backlogLimit: 8192 });
src.setPlan({ syscalls: (process.argv[2] ?? 'connect').split(',') });
await src.start(new AbortController().signal);
process.stdout.write(`ready ${src.status().mode}\n`);
setInterval(() => undefined, 60_000);
