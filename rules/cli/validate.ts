import { formatIssue, loadRulePaths, summarize, type LoadOptions } from '../load.js';

type FieldPredicate = NonNullable<LoadOptions['fieldExists']>;

const USAGE = 'usage: vigil rules validate [-v|--verbose] [--engine-version X.Y.Z] FILE|DIR...';

/**
 * `vigil rules validate FILE...`: loads the files in order as the agent
 * would, prints `file:line:col: error: message` for every error (stdout) and
 * `warning:` lines (stderr), then `N rules active, M disabled`. Exit 0 when
 * nothing failed to load, 1 otherwise (2 for a usage error).
 * `-v` also prints each rule's expanded condition.
 */
export async function run(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const args = [...argv];
  // Accept being handed the whole command line tail as well as just its operands.
  if (args[0] === 'rules') args.shift();
  if (args[0] === 'validate') args.shift();
  let verbose = false;
  let engineVersion: string | undefined;
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
    } else if (a.startsWith('-') && a !== '-') return usage(io, `unknown option ${a}`);
    else paths.push(a);
  }
  if (paths.length === 0) return usage(io, 'no rules file given');

  const fieldExists = await registryPredicate();
  const opts: LoadOptions = {
    ...(fieldExists ? { fieldExists } : {}),
    ...(engineVersion ? { engineVersion } : {}),
  };
  const r = await loadRulePaths(paths, opts);
  for (const e of r.errors) io.stdout.write(`${formatIssue(e, 'error')}\n`);
  for (const w of r.warnings) io.stderr.write(`${formatIssue(w, 'warning')}\n`);
  if (verbose) {
    for (const rule of r.rules) {
      io.stdout.write(`${rule.location.file}:${rule.location.line}:${rule.location.col}: rule "${rule.name}" ${rule.enabled ? 'active' : 'disabled'}: ${rule.expandedText}\n`);
    }
  }
  io.stdout.write(`${summarize(r)}${r.errors.length > 0 ? `, ${r.errors.length} error${r.errors.length > 1 ? 's' : ''}` : ''}\n`);
  return r.errors.length === 0 ? 0 : 1;
}

function usage(io: { stderr: NodeJS.WritableStream }, msg: string): number {
  io.stderr.write(`vigil rules validate: ${msg}\n${USAGE}\n`);
  return 2;
}

/**
 * The sensor's field registry decides which rules can run. It is looked up
 * at run time so that validation still works (treating every field as
 * known) in a build that has no registry.
 */
async function registryPredicate(): Promise<FieldPredicate | undefined> {
  const spec = '../fields/index.js';
  try {
    const mod = (await import(spec)) as { fieldExists?: unknown };
    return typeof mod.fieldExists === 'function' ? (mod.fieldExists as FieldPredicate) : undefined;
  } catch {
    return undefined;
  }
}
