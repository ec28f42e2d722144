export { createRulesWatcher } from './watcher.js';
export type { RulesLoaded, RulesOnError, RulesWatcherConfig } from './watcher.js';
