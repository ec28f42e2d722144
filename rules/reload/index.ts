export { createRulesWatcher } from './watcher.js';
export type { RulesLoaded, RulesOnError, RulesWatcher, RulesWatcherConfig } from './watcher.js';
