import { RulesIssueCode } from './errors.js';
import { resolveRuleSteps } from './resolver/rules.js';
import { runSteps, type Steps } from './slices.js';
import type { Issue, LoadResult, RuleCatalog, RuleState } from './types.js';
import { readRulePaths, sha256, type RuleText } from './loader/files.js';
import { IssueSink } from './loader/issues.js';
import { emptyCollected, type PluginRequirement } from './loader/model.js';
import { readRulesFileSteps } from './loader/reader.js';
import { locate, makeSourceFile } from './loader/source.js';
import { parseEngineVersion } from './loader/values.js';

/**
 * The rule engine version vigil claims: Falco's engine version whose
 * language and rule-file format it implements (the stable rules ask for
 * 0.57.0). Fields are checked separately, rule by rule.
 */
export const VIGIL_RULES_ENGINE_VERSION = '0.57.0';

/** Default key of `throttle: <period>` without an explicit key. */
export const DEFAULT_THROTTLE_KEY: readonly string[] = ['container.id'];

export const DEFAULT_SOURCES: readonly string[] = ['syscall', 'metrics'];

export interface LoadOptions {
  /**
   * What names are checked against: fields (provided, Falco's, unknown),
   * evt.type values, emitted event types. The sensor's is
   * rules/fields/catalog.ts sensorCatalog. Without one, `fieldExists` decides
   * (a field it refuses loads the rule disabled) and evt.type is not checked.
   */
  readonly catalog?: RuleCatalog;
  /** Whether the sensor can provide a field; used only without a catalog. Default: every field is known. */
  readonly fieldExists?: (name: string, arg?: string) => boolean;
  /** Semver of the rule engine, checked against required_engine_version. Default VIGIL_RULES_ENGINE_VERSION. */
  readonly engineVersion?: string;
  /** Rule sources evaluated by this sensor. Default syscall and metrics. */
  readonly sources?: readonly string[];
  /** Key of a throttle given only as a period. Default ['container.id']. */
  readonly defaultThrottleKey?: readonly string[];
}

/** LoadResult plus what the front end recorded on the way. */
export interface RulesLoadResult extends LoadResult {
  /** required_plugin_versions entries, recorded and not enforced (vigil has no plugins). */
  readonly plugins: readonly PluginRequirement[];
  /** The highest required_engine_version found, x.y.z. */
  readonly requiredEngineVersion?: string;
}

export type { PluginRequirement, RuleText };

/** Loads rule texts in order (later definitions override earlier ones). Synchronous, pure, never throws. */
export function loadRuleTexts(files: readonly RuleText[], opts: LoadOptions = {}): RulesLoadResult {
  return runSteps(loadRuleTextSteps(files, opts));
}

/** loadRuleTexts, yielding after each file and each resolved rule (rules/slices.ts). */
export function* loadRuleTextSteps(files: readonly RuleText[], opts: LoadOptions = {}): Steps<RulesLoadResult> {
  const sink = new IssueSink();
  const collected = emptyCollected();
  const engineText = opts.engineVersion ?? VIGIL_RULES_ENGINE_VERSION;
  let engine = parseEngineVersion(engineText);
  if (!engine) {
    sink.error(RulesIssueCode.ENGINE_VERSION, `invalid engine version option '${engineText}'`, { file: '<options>', line: 1, col: 1 });
    engine = parseEngineVersion(VIGIL_RULES_ENGINE_VERSION)!;
  }
  const readOpts = { engineVersion: engine, engineVersionText: engineText, defaultThrottleKey: opts.defaultThrottleKey ?? DEFAULT_THROTTLE_KEY };
  const hashes: { path: string; sha256: string }[] = [];
  for (const f of files) {
    hashes.push({ path: f.path, sha256: sha256(f.text) });
    const source = makeSourceFile(f.path, f.text);
    try {
      yield* readRulesFileSteps(source, collected, sink, readOpts);
    } catch (e) {
      // A defect of ours must not take the agent down with the rules: report it as an issue.
      sink.error(RulesIssueCode.SCHEMA, `internal error while reading: ${(e as Error)?.message ?? String(e)}`, locate(source, 0));
    }
    yield;
  }
  let rules: LoadResult['rules'] = [];
  try {
    rules = yield* resolveRuleSteps(collected, sink, {
      catalog: opts.catalog ?? permissiveCatalog(opts.fieldExists ?? (() => true)),
      strict: opts.catalog !== undefined,
      sources: new Set(opts.sources ?? DEFAULT_SOURCES),
    });
  } catch (e) {
    const first = files[0]?.path ?? '<none>';
    sink.error(RulesIssueCode.SCHEMA, `internal error while resolving: ${(e as Error)?.message ?? String(e)}`, { file: first, line: 1, col: 1 });
  }
  const loaded = new Set(rules.map((r) => r.name));
  const refused = [...new Set(sink.errors.flatMap((e) => (e.item?.startsWith('rule "') ? [e.item.slice(6, -1)] : [])))]
    .filter((n) => !loaded.has(n) && collected.rules.has(n))
    .map((name) => ({ name, source: collected.rules.get(name)!.source }));
  const result: RulesLoadResult = {
    rules,
    refused,
    errors: sink.errors,
    warnings: sink.warnings,
    files: hashes,
    plugins: collected.plugins,
    ...(collected.requiredEngineVersion ? { requiredEngineVersion: collected.requiredEngineVersion } : {}),
  };
  return result;
}

/** Reads files and directories (their *.yaml/*.yml, sorted by name) in order, then loads them. Never rejects. */
export async function loadRulePaths(paths: readonly string[], opts: LoadOptions = {}): Promise<RulesLoadResult> {
  const { files, errors } = await readRulePaths(paths);
  return withReadErrors(loadRuleTexts(files, opts), errors);
}

/** Files that could not be read come first among the load's errors. */
export function withReadErrors(r: RulesLoadResult, errors: readonly Issue[]): RulesLoadResult {
  return errors.length === 0 ? r : { ...r, errors: [...errors, ...r.errors] };
}

/** The loader on its own: fields are provided or (refused by fieldExists) Falco's; every evt.type is known. */
function permissiveCatalog(fieldExists: (name: string, arg?: string) => boolean): RuleCatalog {
  return {
    fieldKind: (name, arg) => (fieldExists(name, arg) ? 'provided' : 'falco'),
    suggestField: () => undefined,
    eventTypeKnown: () => true,
    suggestEventType: () => undefined,
  };
}

export type RuleCounts = Readonly<Record<RuleState, number>>;

export function countRules(rules: readonly { readonly enabled: boolean; readonly state?: RuleState }[]): RuleCounts {
  const n: Record<RuleState, number> = { active: 0, disabled_missing_fields: 0, disabled_never_fires: 0, disabled_by_file: 0 };
  for (const r of rules) n[r.state ?? (r.enabled ? 'active' : 'disabled_by_file')]++;
  return n;
}

/** `N rules active, A disabled for missing fields, B disabled as never firing, C disabled by file`. */
export function summarize(r: LoadResult | RuleCounts): string {
  const n = 'rules' in r ? countRules(r.rules) : r;
  return `${n.active} rules active, ${n.disabled_missing_fields} disabled for missing fields, ${n.disabled_never_fires} disabled as never firing, ${n.disabled_by_file} disabled by file`;
}

/** `file:line:col: error|warning: message [item] (code)`: every rule issue vigil prints or logs (`vigil rules validate`, the reload log). */
export function formatIssue(i: LoadResult['errors'][number], severity: 'error' | 'warning'): string {
  return `${i.file}:${i.line}:${i.col}: ${severity}: ${i.message}${i.item ? ` [${i.item}]` : ''} (${i.code})`;
}
