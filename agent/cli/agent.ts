import type { CliIo } from './rules.js';
import { parseAgentArgs } from './args.js';
import { agentHelp } from './help.js';
import { loadConfig, unknownEnvVars } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../log.js';
import { installProcessHandlers } from '../lifecycle.js';
import { createAgent } from '../pipeline.js';
import { EdgeConfigError } from '../edges/index.js';
import { RulesRefusedError } from '../../rules/index.js';

/** Exit code for a bad flag, env var or config file, or rules refused under --rules-on-error fail (the agent never starts). */
export const EXIT_CONFIG = 2;

/**
 * `vigil agent`: parse and validate everything first (exit 2 naming the key
 * on any problem), then start. Resolves with an exit code only when the
 * agent cannot start; a running agent exits from its signal handler.
 */
export async function runAgentCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number | undefined> {
  let config: ReturnType<typeof loadConfig>;
  try {
    const args = parseAgentArgs(argv);
    if (args.help) {
      io.stdout.write(agentHelp());
      return 0;
    }
    config = loadConfig({ flags: args.flags, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(
        `vigil: invalid configuration:\n${err.message
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}\n`,
      );
      return EXIT_CONFIG;
    }
    throw err;
  }

  const log = createLogger(config.logLevel);
  let agent: ReturnType<typeof createAgent>;
  try {
    agent = createAgent(config, { log, color: process.stdout.isTTY === true });
  } catch (err) {
    // Settings whose meaning only a component can check (a CIDR's syntax) fail here, still before anything runs.
    if (err instanceof EdgeConfigError) {
      io.stderr.write(`vigil: invalid configuration:\n  ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
  installProcessHandlers({
    log,
    errors: agent.deps.errors,
    // 2 s is the spec's promise; components get 1.5 s, the rest is margin for the exit itself.
    shutdown: () => agent.stop(1500),
    deadlineMs: 1900,
  });
  const strays = unknownEnvVars(env);
  if (strays.length > 0) log.warn({ variables: strays }, `ignoring environment variables that are not vigil settings: ${strays.join(', ')}`);
  log.info({ config }, `vigil ${config.output === 'none' ? '' : `(${config.output} alerts on stdout) `}starting`);
  try {
    await agent.start();
  } catch (err) {
    // --rules-on-error fail: the errors are logged one by one; nothing was started.
    if (err instanceof RulesRefusedError) {
      io.stderr.write(`vigil: ${err.message}\n`);
      await agent.stop(1500);
      return EXIT_CONFIG;
    }
    throw err;
  }
  const status = agent.readiness.status();
  if (status.ready) log.info('vigil agent ready');
  else log.warn({ pending: status.pending }, 'vigil agent running, not ready yet');
  return undefined;
}
