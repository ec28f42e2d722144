#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `vigil` command. Everything below dispatches; the agent itself is
 * built in pipeline.ts from a config validated in config/.
 */
import { runAgentCommand } from './cli/agent.js';
import { USAGE } from './cli/help.js';
import { runRulesCommand } from './cli/rules.js';
import { packageVersion } from './package-root.js';

async function main(argv: readonly string[]): Promise<number | undefined> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'agent':
      return runAgentCommand(rest, process.env, io);
    case 'rules':
      return runRulesCommand(rest, io);
    case 'tail':
      return (await import('./cli/tail.js')).runTail(rest, { ...io, isTTY: process.stdout.isTTY === true });
    case 'baseline':
      return (await import('./edges/cli.js')).run(rest, io);
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      process.stderr.write(`vigil: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`);
      return 2;
  }
}

// `vigil rules fields | head`: a closed pipe ends the output, it is not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    // undefined: the agent is running and exits from its signal handler.
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`vigil: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
