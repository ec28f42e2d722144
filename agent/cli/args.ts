import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors.js';
import { OPTIONS, type OptionSpec } from '../config/schema.js';

export interface AgentArgs {
  readonly help: boolean;
  /** Values by flag name, ready for loadConfig's `flags`. */
  readonly flags: Readonly<Record<string, string | readonly string[] | boolean | undefined>>;
}

/** parseArgs options generated from the schema: every setting is a string flag. */
export function agentParseOptions(): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    options[spec.flag] = spec.repeatable ? { type: 'string', multiple: true } : { type: 'string' };
  }
  return options;
}

/**
 * Parses `vigil agent` flags. A flag problem is a config problem (exit 2),
 * reported as `path: message` like every other.
 */
export function parseAgentArgs(argv: readonly string[]): AgentArgs {
  const { help, ...flags } = parseFlags(argv).values;
  for (const name of Object.keys(flags)) {
    const spec = (OPTIONS as readonly OptionSpec[]).find((s) => s.flag === name);
    // A non-repeatable flag given twice is ambiguous; parseArgs keeps the last silently.
    if (spec && !spec.repeatable && countFlag(argv, name) > 1) {
      throw new ConfigError([{ path: spec.key, message: 'given more than once', origin: `flag --${name}` }]);
    }
  }
  return { help: help === true, flags: flags as AgentArgs['flags'] };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: agentParseOptions(), strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError([flagIssue(err as Error & { code?: string })]);
  }
}

function countFlag(argv: readonly string[], name: string): number {
  return argv.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`)).length;
}

function flagIssue(err: Error & { code?: string }): { path: string; message: string } {
  const m = /'(-{1,2}[^' ]+)/.exec(err.message);
  const flag = m?.[1] ?? 'arguments';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return { path: flag, message: 'unknown option (see vigil agent --help)' };
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return { path: 'arguments', message: `unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ''} (vigil agent takes only --flags)` };
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const spec = (OPTIONS as readonly OptionSpec[]).find((s) => flag === `--${s.flag}` || flag.startsWith(`--${s.flag} `));
      return { path: spec?.key ?? flag, message: `needs a value (${spec ? `--${spec.flag} ${spec.arg}` : err.message})` };
    }
    default:
      return { path: flag, message: err.message };
  }
}
