import { buildRules } from '../build.js';
import type { CompiledRule } from '../compiler/index.js';
import { AUDIT_EVENT_TYPES, EVENT_TYPES } from '../event.js';
import { catalogFor } from '../fields/index.js';
import { formatIssue, summarize } from '../load.js';

const USAGE = 'usage: vigil rules validate [-v|--verbose] [--audit on|off] [--engine-version X.Y.Z] FILE|DIR...';

const WITHOUT_AUDIT: ReadonlySet<string> = new Set(EVENT_TYPES);
const AUDIT_ONLY: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES.filter((t) => !WITHOUT_AUDIT.has(t)));

/** Active rules that only the kernel audit source's events can fire. */
export function auditOnlyRules(rules: readonly CompiledRule[]): number {
  return rules.filter((r) => r.source === 'syscall' && r.evtTypes !== null && r.evtTypes.size > 0 && [...r.evtTypes].every((t) => !WITHOUT_AUDIT.has(t) && AUDIT_ONLY.has(t))).length;
}

/**
 * `vigil rules validate FILE...`: loads and compiles the files in order as
 * the agent does (rules/build.ts), prints `file:line:col: error: message` for
 * every error (stdout) and `warning:` lines (stderr), then the summary line
 * (active, disabled for missing fields, never firing, by file). Exit 0 when
 * nothing failed, 1 otherwise (2 for a usage error). Rules are counted as an
 * agent that audits runs them (`--audit off`: as one that does not, where
 * rules on file and privilege syscalls never fire), and a line says which.
 * `-v` also prints each rule's expanded condition.
 */
export async function run(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const args = [...argv];
  // Accept being handed the whole command line tail as well as just its operands.
  if (args[0] === 'rules') args.shift();
  if (args[0] === 'validate') args.shift();
  let verbose = false;
  let engineVersion: string | undefined;
  let audit = true;
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '-h' || a === '--help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (a === '--engine-version' || a.startsWith('--engine-version=')) {
      engineVersion = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!engineVersion) return usage(io, '--engine-version needs a value');
    } else if (a === '--audit' || a.startsWith('--audit=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (v !== 'on' && v !== 'off') return usage(io, '--audit takes on or off');
      audit = v === 'on';
    } else if (a.startsWith('-') && a !== '-') return usage(io, `unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) return usage(io, 'no rules file given');

  const b = await buildRules(paths, { catalog: catalogFor(audit), ...(engineVersion ? { engineVersion } : {}) });
  for (const e of b.errors) io.stdout.write(`${formatIssue(e, 'error')}\n`);
  for (const w of b.warnings) io.stderr.write(`${formatIssue(w, 'warning')}\n`);
  if (verbose) {
    for (const rule of b.load.rules) {
      io.stdout.write(`${rule.location.file}:${rule.location.line}:${rule.location.col}: rule "${rule.name}" ${rule.state ?? (rule.enabled ? 'active' : 'disabled_by_file')}: ${rule.expandedText}\n`);
    }
  }
  const n = b.errors.length;
  const needAudit = auditOnlyRules(b.ruleSet.rules);
  io.stdout.write(
    audit
      ? `counted as an agent with the kernel audit source (--audit on|auto) runs them: ${needAudit} of the active rules fire only on its events and never fire with --audit off\n`
      : 'counted as an agent without the kernel audit source (--audit off) runs them: rules on file and privilege syscalls never fire\n',
  );
  io.stdout.write(`${summarize(b.counts)}${n > 0 ? `, ${n} error${n > 1 ? 's' : ''} (${b.droppedRules.length} rule${b.droppedRules.length === 1 ? '' : 's'} dropped)` : ''}\n`);
  return n === 0 ? 0 : 1;
}

function usage(io: { stderr: NodeJS.WritableStream }, msg: string): number {
  io.stderr.write(`vigil rules validate: ${msg}\n${USAGE}\n`);
  return 2;
}
