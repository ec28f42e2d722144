export { createRuleEngine } from './engine.js';
export type { RuleEngine, RuleEngineDeps } from './engine.js';
