import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from '../../../../agent/cli/args.js';
import { agentHelp } from '../../../../agent/cli/help.js';
import { loadConfig, OPTIONS } from '../../../../agent/config/index.js';
import { ConfigError } from '../../../../agent/errors.js';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('vigil agent flags', () => {
  it('parses every documented flag into the config', () => {
    const args = parseAgentArgs([
      '--rules',
      '/r1',
      '--rules=/r2',
      '--output',
      'json',
      '--metrics-addr',
      '127.0.0.1:0',
      '--grpc-addr',
      ':9999',
      '--host-proc',
      '/host/proc',
      '--host-cgroup',
      '/host/sys/fs/cgroup',
      '--host-root',
      '/host/root',
      '--host-etc',
      '/host/etc',
      '--docker-socket',
      '/run/d.sock',
      '--scan-interval-ms',
      '1500',
      '--exec-mode',
      'poll',
      '--log-level',
      'debug',
    ]);
    expect(args.help).toBe(false);
    const c = loadConfig({ flags: args.flags, env: {} });
    expect(c).toMatchObject({
      rules: ['/r1', '/r2'],
      output: 'json',
      metricsAddr: { host: '127.0.0.1', port: 0 },
      grpcAddr: { host: '0.0.0.0', port: 9999 },
      hostProc: '/host/proc',
      hostCgroup: '/host/sys/fs/cgroup',
      hostRoot: '/host/root',
      hostEtc: '/host/etc',
      dockerSocket: '/run/d.sock',
      scanIntervalMs: 1500,
      execMode: 'poll',
      logLevel: 'debug',
    });
  });

  it('recognises --help and -h', () => {
    expect(parseAgentArgs(['--help']).help).toBe(true);
    expect(parseAgentArgs(['-h']).help).toBe(true);
  });

  it('reports unknown flags, missing values, positionals and repeats as config errors', () => {
    expect(configError(() => parseAgentArgs(['--bogus']))).toBe('--bogus: unknown option (see vigil agent --help)');
    expect(configError(() => parseAgentArgs(['--scan-interval-ms']))).toBe('scanIntervalMs: needs a value (--scan-interval-ms N)');
    expect(configError(() => parseAgentArgs(['extra']))).toMatch(/^arguments: unexpected argument extra/);
    expect(configError(() => parseAgentArgs(['--output', 'json', '--output=pretty']))).toBe('output: given more than once [from flag --output]');
  });

  it('help lists every flag with its env var and default, and names the gRPC event stream', () => {
    const help = agentHelp();
    for (const o of OPTIONS) {
      expect(help).toContain(`--${o.flag} ${o.arg}`);
      expect(help).toContain(`env ${o.env}`);
    }
    expect(help).toMatch(/gRPC event stream \(--grpc-addr\) serves vigil\.v1\.EventService/);
  });

  it('derives flag and env names from the key consistently', () => {
    for (const o of OPTIONS) {
      const kebab = o.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      expect(o.flag).toBe(kebab);
      expect(o.env).toBe(`VIGIL_${kebab.replace(/-/g, '_').toUpperCase()}`);
    }
  });
});
