import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { baselineProblem, type BaselineFile } from './baseline-file.js';
import { renderNetworkPolicyYaml } from './export.js';

export const DEFAULT_BASELINE_PATH = '/var/lib/vigil/baseline.json';

export interface BaselineCliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const USAGE = `Usage: vigil baseline export [--format networkpolicy|json] [--baseline FILE] [--out FILE]

Writes the learned connection baseline (default ${DEFAULT_BASELINE_PATH}) as
Kubernetes NetworkPolicy YAML to review and apply, or as JSON.
`;

/**
 * `vigil baseline ...`; argv is what follows `baseline`. Exit codes: 0 done,
 * 1 the baseline cannot be read or the output cannot be written, 2 usage.
 */
export async function run(argv: string[], io: BaselineCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'export') {
    io.stderr.write(`vigil baseline: ${sub === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(sub)}`} (expected export)\n${USAGE}`);
    return 2;
  }
  let values: { format?: string; baseline?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        format: { type: 'string' },
        baseline: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`vigil baseline export: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const format = values.format ?? 'networkpolicy';
  if (format !== 'networkpolicy' && format !== 'json') {
    io.stderr.write(`vigil baseline export: --format must be networkpolicy or json, not ${JSON.stringify(format)}\n`);
    return 2;
  }
  const path = values.baseline ?? DEFAULT_BASELINE_PATH;
  let file: BaselineFile;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const problem = baselineProblem(parsed);
    if (problem) throw new Error(problem);
    file = parsed as BaselineFile;
  } catch (err) {
    io.stderr.write(`vigil baseline export: ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  const text = format === 'json' ? `${JSON.stringify(file, null, 2)}\n` : renderNetworkPolicyYaml(file);
  if (values.out === undefined || values.out === '-') {
    io.stdout.write(text);
    return 0;
  }
  try {
    const tmp = `${values.out}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, values.out);
  } catch (err) {
    io.stderr.write(`vigil baseline export: ${values.out}: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}
