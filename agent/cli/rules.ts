/**
 * `vigil rules validate|test|fields ...`: each subcommand lives with the
 * rules code (rules/cli/) and is imported only when asked for, so
 * `vigil agent` does not load it.
 */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

type Run = (argv: string[], io: CliIo) => number | Promise<number>;

/** test and fields take line callbacks rather than streams. */
const lines = (io: CliIo) => ({
  stdout: (line: string) => void io.stdout.write(`${line}\n`),
  stderr: (line: string) => void io.stderr.write(`${line}\n`),
});

const SUBCOMMANDS: Record<string, () => Promise<Run>> = {
  validate: async () => (await import('../../rules/cli/validate.js')).run,
  test: async () => {
    const { runRulesTest } = await import('../../rules/cli/test.js');
    return (argv, io) => runRulesTest(argv, lines(io));
  },
  fields: async () => {
    const { runRulesFields } = await import('../../rules/cli/fields.js');
    return (argv, io) => runRulesFields(argv, lines(io));
  },
};
export const RULES_SUBCOMMANDS = Object.keys(SUBCOMMANDS);

export async function runRulesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    (sub ? io.stdout : io.stderr).write('Usage: vigil rules validate FILE...\n       vigil rules test RULES... --events EVENTS.jsonl\n       vigil rules fields\n');
    return sub ? 0 : 2;
  }
  const load = SUBCOMMANDS[sub];
  if (!load) {
    io.stderr.write(`vigil rules: unknown subcommand ${JSON.stringify(sub)} (expected ${RULES_SUBCOMMANDS.join(', ')})\n`);
    return 2;
  }
  return (await load())([...rest], io);
}
