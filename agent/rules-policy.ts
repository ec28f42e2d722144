import type { CollectorDeps } from '../core/deps.js';
import { buildRules, formatIssue, RulesRefusedError, type RulesLoaded, type RulesOnError } from '../rules/index.js';

/**
 * --rules-on-error fail: load and compile the rules once before anything
 * starts, and refuse (RulesRefusedError, the CLI exits 2) when they have
 * errors, as Falco does. skip: nothing to check up front; the watcher runs
 * what compiled and names what it dropped.
 */
export async function refuseBrokenRules(cfg: { readonly paths: readonly string[]; readonly onError: RulesOnError }, deps: CollectorDeps): Promise<void> {
  if (cfg.onError !== 'fail') return;
  const b = await buildRules(cfg.paths);
  if (b.errors.length === 0) return;
  for (const i of b.errors) deps.log.error({ code: i.code, file: i.file, line: i.line, col: i.col }, formatIssue(i, 'error'));
  throw new RulesRefusedError(`rule files have ${b.errors.length} error${b.errors.length > 1 ? 's' : ''} (${b.dropped.join(', ')}); refusing to start (--rules-on-error fail)`);
}

/** The rules check's /readyz detail: the summary line, and under skip what was dropped. */
export function rulesReadinessDetail(loaded: RulesLoaded): string {
  return loaded.dropped.length === 0 ? loaded.summary : `${loaded.summary}; dropped (--rules-on-error skip): ${loaded.dropped.join(', ')}`;
}
