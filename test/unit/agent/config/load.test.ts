import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../agent/errors.js';
import { loadConfig, OPTIONS, unknownEnvVars, type ConfigSources } from '../../../../agent/config/index.js';

function load(s: Partial<ConfigSources> & { file?: string }) {
  return loadConfig({
    flags: s.flags ?? {},
    env: s.env ?? {},
    readFile: (p) => {
      if (p === '/cfg.yaml' && s.file !== undefined) return s.file;
      throw new Error(`ENOENT: no such file ${p}`);
    },
  });
}

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives defaults for everything and freezes the result', () => {
    const c = load({});
    expect(c.output).toBe('pretty');
    expect(c.metricsAddr).toEqual({ host: '0.0.0.0', port: 9867 });
    expect(c.grpcAddr).toEqual({ host: '0.0.0.0', port: 9868 });
    expect(c.scanIntervalMs).toBe(2000);
    expect(c.rules).toHaveLength(1);
    expect(c.rules[0]).toMatch(/rules[/\\]library$/);
    expect(c.config).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.metricsAddr)).toBe(true);
    expect(Object.isFrozen(c.rules)).toBe(true);
    // Every schema key is present in the result.
    expect(Object.keys(c).sort()).toEqual(OPTIONS.map((o) => o.key).sort());
  });

  it('applies precedence flag > env > file > default', () => {
    const file = 'scanIntervalMs: 300\noutput: json\nlogLevel: debug\nrules: [/a, /b]\n';
    const env = { VIGIL_CONFIG: '/cfg.yaml', VIGIL_SCAN_INTERVAL_MS: '400', VIGIL_OUTPUT: 'none' };
    const c = load({ file, env, flags: { 'scan-interval-ms': '500' } });
    expect(c.scanIntervalMs).toBe(500); // flag beats env and file
    expect(c.output).toBe('none'); // env beats file
    expect(c.logLevel).toBe('debug'); // file beats default
    expect(c.rules).toEqual(['/a', '/b']);
    expect(c.execMode).toBe('auto'); // default
    expect(c.config).toBe('/cfg.yaml');
  });

  it('reads lists from repeated flags and from comma/colon separated env', () => {
    expect(load({ env: { VIGIL_RULES: '/x.yaml,/y:/z' } }).rules).toEqual(['/x.yaml', '/y', '/z']);
    expect(load({ flags: { rules: ['/r1', '/r2'] }, env: { VIGIL_RULES: '/e' } }).rules).toEqual(['/r1', '/r2']);
  });

  it('parses addresses including :PORT, IPv6 and port 0', () => {
    expect(load({ flags: { 'metrics-addr': ':0' } }).metricsAddr).toEqual({ host: '0.0.0.0', port: 0 });
    expect(load({ flags: { 'metrics-addr': '[::1]:9000' } }).metricsAddr).toEqual({ host: '::1', port: 9000 });
    expect(load({ env: { VIGIL_METRICS_ADDR: '127.0.0.1:1234' } }).metricsAddr).toEqual({ host: '127.0.0.1', port: 1234 });
  });

  it('names the key, the problem, the value and the source of a bad value', () => {
    expect(issues(() => load({ env: { VIGIL_SCAN_INTERVAL_MS: 'abc' } }))).toEqual(['scanIntervalMs: must be an integer between 100 and 3600000 (got "abc") [from env VIGIL_SCAN_INTERVAL_MS]']);
    expect(issues(() => load({ flags: { 'scan-interval-ms': '99' } }))).toEqual(['scanIntervalMs: must be an integer between 100 and 3600000 (got "99") [from flag --scan-interval-ms]']);
    expect(issues(() => load({ env: { VIGIL_OUTPUT: 'xml' } }))).toEqual(['output: must be one of pretty, json, none (got "xml") [from env VIGIL_OUTPUT]']);
    expect(issues(() => load({ flags: { 'grpc-addr': 'localhost' } }))).toEqual(['grpcAddr: must be HOST:PORT with a port between 0 and 65535 (got "localhost") [from flag --grpc-addr]']);
    expect(issues(() => load({ flags: { 'metrics-addr': '1.2.3.4:70000' } }))[0]).toMatch(/^metricsAddr: .*70000/);
    expect(issues(() => load({ flags: { 'exec-mode': 'ebpf' } }))[0]).toMatch(/^execMode: must be one of auto, netlink, poll/);
    expect(issues(() => load({ flags: { 'log-level': 'loud' } }))[0]).toMatch(/^logLevel: must be one of/);
  });

  it('reports every problem at once, including overridden ones', () => {
    const file = 'scanIntervalMs: fast\nmetricsAddr: 9867\n';
    const lines = issues(() => load({ file, flags: { config: '/cfg.yaml', 'scan-interval-ms': '1000' }, env: { VIGIL_OUTPUT: 'xml' } }));
    expect(lines).toEqual(
      [
        'output: must be one of pretty, json, none (got "xml") [from env VIGIL_OUTPUT]',
        'metricsAddr: must be HOST:PORT with a port between 0 and 65535 (got 9867) [from file /cfg.yaml]',
        'scanIntervalMs: must be an integer between 100 and 3600000 (got "fast") [from file /cfg.yaml]',
      ].sort((a, b) => order(a) - order(b)),
    );
  });

  it('rejects unknown and misplaced keys in the file, with a hint for near misses', () => {
    const lines = issues(() => load({ file: 'scan_interval_ms: 500\nbogus: 1\nconfig: /other.yaml\n', flags: { config: '/cfg.yaml' } }));
    expect(lines).toContain('scan_interval_ms: unknown key (did you mean scanIntervalMs?) [from file /cfg.yaml]');
    expect(lines).toContain('bogus: unknown key [from file /cfg.yaml]');
    expect(lines).toContain('config: cannot be set in the config file [from file /cfg.yaml]');
  });

  it('accepts YAML numbers and lists, an empty file, and rejects a non-mapping or broken YAML', () => {
    expect(load({ file: 'scanIntervalMs: 250\nrules: /one.yaml\n', flags: { config: '/cfg.yaml' } }).scanIntervalMs).toBe(250);
    expect(load({ file: '', flags: { config: '/cfg.yaml' } }).output).toBe('pretty');
    expect(issues(() => load({ file: '- a\n- b\n', flags: { config: '/cfg.yaml' } }))[0]).toMatch(/^config: \/cfg.yaml must be a mapping/);
    expect(issues(() => load({ file: 'a: [1,\n', flags: { config: '/cfg.yaml' } }))[0]).toMatch(/^config: \/cfg.yaml:\d+:\d+: /);
    expect(issues(() => load({ flags: { config: '/missing.yaml' } }))[0]).toMatch(/^config: cannot read \/missing.yaml: ENOENT/);
    expect(issues(() => load({ file: 'scanIntervalMs: 2.5\n', flags: { config: '/cfg.yaml' } }))[0]).toMatch(/^scanIntervalMs: .*\(got 2.5\)/);
    expect(issues(() => load({ file: 'rules: []\n', flags: { config: '/cfg.yaml' } }))[0]).toMatch(/^rules: must be a non-empty list/);
  });

  it('ignores VIGIL_* variables that are not settings, and names the likely typos', () => {
    expect(load({ env: { VIGIL_REQUIRE_INTEGRATION: '1', VIGIL_SCAN_INTERVAL: '5' } }).output).toBe('pretty');
    expect(unknownEnvVars({ VIGIL_REQUIRE_INTEGRATION: '1', VIGIL_SCAN_INTERVAL: '5', VIGIL_OUTPUT: 'json', PATH: '/bin' })).toEqual(['VIGIL_SCAN_INTERVAL']);
  });

  it('rejects the gRPC and metrics listeners on the same port', () => {
    expect(issues(() => load({ flags: { 'grpc-addr': ':9867' } }))).toEqual(['grpcAddr: must not use the same port as metricsAddr (9867)']);
    expect(load({ flags: { 'grpc-addr': '127.0.0.1:9000', 'metrics-addr': '127.0.0.2:9000' } }).grpcAddr.port).toBe(9000);
  });
});

// Issues come out in schema order (then by source precedence); this sorts expectations the same way.
function order(line: string): number {
  return OPTIONS.findIndex((o) => line.startsWith(`${o.key}:`));
}
