export { resolveRules, type ResolveOptions } from './rules.js';
export { ListExpander } from './lists.js';
export { ConditionResolver, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, type FieldPredicate } from './conditions.js';
export { exceptionExpr } from './exceptions.js';
