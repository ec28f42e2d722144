export { createRulesWatcher } from './watcher.js';
export type { RulesLoaded, RulesWatcherConfig } from './watcher.js';
