/**
 * The rule engine's public API: the agent codes against these names.
 */
export type { Alert } from './alert.js';
export { priorityText } from './alert.js';
export { compileCondition, compileRuleSet, emptyRuleSet } from './compiler/index.js';
export type { CompiledRule, OutputLayout, RuleMatching, RuleSet, RuleSetSummary } from './compiler/index.js';
export { createRuleEngine } from './engine/index.js';
export type { RuleEngine, RuleEngineDeps } from './engine/index.js';
export type { EventSource, EventType, VigilEvent } from './event.js';
export { auditSensorCatalog, catalogFor, fieldExists, listFields, sensorCatalog } from './fields/index.js';
export { createRulesWatcher } from './reload/index.js';
export type { RulesLoaded, RulesOnError, RulesWatcher, RulesWatcherConfig } from './reload/index.js';
export { RulesRefusedError } from './errors.js';
export { formatIssue, loadRulePaths, loadRuleTexts, summarize } from './load.js';
export type { LoadOptions, RulesLoadResult } from './load.js';
export { parseCondition } from './parser/index.js';
export type { Issue, LoadResult, Priority, ResolvedRule } from './types.js';
export { buildRules } from './build.js';
export type { BuildOptions, BuiltRules } from './build.js';
export { procReadNeeds } from './proc-needs.js';
export type { ProcReadNeeds } from './proc-needs.js';
