import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { readFileBounded } from './read-bounded.js';
import { OPTIONS, type AgentConfig, type OptionSpec } from './schema.js';
import { parseValue } from './values.js';

/** Raw inputs, exactly as they arrived; nothing here is trusted yet. */
export interface ConfigSources {
  /** Values by flag name (`scan-interval-ms`), as node:util parseArgs returns them. */
  readonly flags: Readonly<Record<string, string | readonly string[] | boolean | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Injectable for tests; reads the config file. */
  readonly readFile?: (path: string) => string;
}

interface Candidate {
  readonly raw: unknown;
  readonly origin: string;
}

/**
 * Resolves flags > env > file > defaults into one frozen AgentConfig. Every
 * value supplied is validated, even one a higher source overrides, so a typo
 * in the config file is found the first time the file is used. All problems
 * are collected and thrown together as one ConfigError.
 */
export function loadConfig(sources: ConfigSources): AgentConfig {
  const issues: ConfigIssue[] = [];
  const readFile = sources.readFile ?? ((p: string) => readFileBounded(p));
  const specs = OPTIONS as readonly OptionSpec[];

  const fromFlags = new Map<string, Candidate>();
  const fromEnv = new Map<string, Candidate>();
  for (const spec of specs) {
    const f = sources.flags[spec.flag];
    if (f !== undefined && typeof f !== 'boolean' && !(Array.isArray(f) && f.length === 0)) {
      fromFlags.set(spec.key, { raw: f, origin: `flag --${spec.flag}` });
    }
    const e = sources.env[spec.env];
    if (e !== undefined) fromEnv.set(spec.key, { raw: e, origin: `env ${spec.env}` });
  }

  const fromFile = new Map<string, Candidate>();
  const file = fromFlags.get('config') ?? fromEnv.get('config');
  if (file) {
    const parsedPath = parseValue({ type: 'path' }, file.raw);
    if (!parsedPath.ok) issues.push({ path: 'config', message: parsedPath.message, origin: file.origin });
    else readConfigFile(parsedPath.value as string, readFile, specs, fromFile, issues);
  }

  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    let chosen: unknown;
    let have = false;
    // Highest precedence first; lower sources are still validated.
    for (const cand of [fromFlags.get(spec.key), fromEnv.get(spec.key), fromFile.get(spec.key)]) {
      if (!cand) continue;
      const r = parseValue(spec.kind, cand.raw);
      if (!r.ok) {
        if (r.issues) for (const i of r.issues) issues.push({ path: `${spec.key}${i.path}`, message: i.message, origin: cand.origin });
        else issues.push({ path: spec.key, message: r.message, origin: cand.origin });
      } else if (!have) {
        chosen = r.value;
        have = true;
      }
    }
    if (!have && spec.default) chosen = spec.default();
    out[spec.key] = freezeDeep(chosen);
  }

  const m = out.metricsAddr as { host: string; port: number } | undefined;
  const g = out.grpcAddr as { host: string; port: number } | undefined;
  if (m && g && m.port !== 0 && m.port === g.port && (m.host === g.host || isWildcard(m.host) || isWildcard(g.host))) {
    issues.push({ path: 'grpcAddr', message: `must not use the same port as metricsAddr (${m.port})` });
  }

  if ((out.metricsTlsCertFile === undefined) !== (out.metricsTlsKeyFile === undefined)) {
    issues.push({ path: out.metricsTlsCertFile === undefined ? 'metricsTlsCertFile' : 'metricsTlsKeyFile', message: 'HTTPS needs both metricsTlsCertFile and metricsTlsKeyFile' });
  }
  if (out.metricsTlsClientCaFile !== undefined && out.metricsTlsCertFile === undefined) {
    issues.push({ path: 'metricsTlsClientCaFile', message: 'client certificates need HTTPS: set metricsTlsCertFile and metricsTlsKeyFile' });
  }
  if ((out.httpRequestTimeoutMs as number) <= (out.httpHeadersTimeoutMs as number)) {
    issues.push({ path: 'httpRequestTimeoutMs', message: `must be above httpHeadersTimeoutMs (${String(out.httpHeadersTimeoutMs)})` });
  }
  if ((out.grpcTlsCert === undefined) !== (out.grpcTlsKey === undefined)) {
    issues.push({ path: out.grpcTlsCert === undefined ? 'grpcTlsCert' : 'grpcTlsKey', message: 'grpcTlsCert and grpcTlsKey go together' });
  }
  if (out.grpcTlsClientCa !== undefined && out.grpcTlsCert === undefined) {
    issues.push({ path: 'grpcTlsClientCa', message: 'client certificates need TLS: set grpcTlsCert and grpcTlsKey too' });
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(out) as AgentConfig;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/** VIGIL_* variables that match no setting (typos), minus known non-settings; the agent warns about them. */
export function unknownEnvVars(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = new Set((OPTIONS as readonly OptionSpec[]).map((s) => s.env));
  return Object.keys(env)
    .filter((k) => k.startsWith('VIGIL_') && !known.has(k) && !NOT_SETTINGS.has(k))
    .sort();
}

/** Switches read by tests and CI, not by the agent. */
const NOT_SETTINGS = new Set(['VIGIL_REQUIRE_INTEGRATION']);

function readConfigFile(path: string, readFile: (p: string) => string, specs: readonly OptionSpec[], into: Map<string, Candidate>, issues: ConfigIssue[]): void {
  const origin = `file ${path}`;
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    issues.push({ path: 'config', message: `cannot read ${path}: ${(err as Error).message}` });
    return;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `${path}:${err.linePos[0].line}:${err.linePos[0].col}` : path;
    issues.push({ path: 'config', message: `${where}: ${(err as Error).message.split('\n')[0]}` });
    return;
  }
  if (doc === null || doc === undefined) return; // An empty file means "all defaults".
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    issues.push({ path: 'config', message: `${path} must be a mapping of setting: value` });
    return;
  }
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    const spec = specs.find((s) => s.key === key);
    if (!spec || spec.inFile === false) {
      issues.push({ path: key, message: spec ? 'cannot be set in the config file' : `unknown key${suggest(key, specs)}`, origin });
      continue;
    }
    into.set(key, { raw, origin });
  }
}

/** "did you mean" for the common snake_case / wrong-case slips. */
function suggest(key: string, specs: readonly OptionSpec[]): string {
  const norm = (s: string) => s.replace(/[-_]/g, '').toLowerCase();
  const hit = specs.find((s) => s.inFile !== false && norm(s.key) === norm(key));
  return hit ? ` (did you mean ${hit.key}?)` : '';
}

function freezeDeep<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const inner of Object.values(v)) freezeDeep(inner);
    Object.freeze(v);
  }
  return v;
}
