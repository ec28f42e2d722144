/**
 * `vigil rules validate|test|fields ...`: each subcommand lives with the
 * rules code (rules/cli/<name>.ts) and is loaded only when asked for, so
 * `vigil agent` does not pay for it.
 */
export const RULES_SUBCOMMANDS = ['validate', 'test', 'fields'] as const;

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

type SubcommandModule = { run(argv: string[], io: CliIo): Promise<number> };

export async function runRulesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    io.stdout.write(`Usage: vigil rules ${RULES_SUBCOMMANDS.join('|')} ...\n`);
    return sub ? 0 : 2;
  }
  if (!(RULES_SUBCOMMANDS as readonly string[]).includes(sub)) {
    io.stderr.write(`vigil rules: unknown subcommand ${JSON.stringify(sub)} (expected ${RULES_SUBCOMMANDS.join(', ')})\n`);
    return 2;
  }
  // Resolved at run time, relative to this file, so it works from dist/ and from sources.
  const mod = (await import(new URL(`../../rules/cli/${sub}.js`, import.meta.url).href)) as SubcommandModule;
  return mod.run([...rest], io);
}
