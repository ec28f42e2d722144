export { OPTIONS, optionByKey } from './schema.js';
export type { AgentConfig, ConfigKey, LogLevel, OptionSpec } from './schema.js';
export { loadConfig, unknownEnvVars } from './load.js';
export type { ConfigSources } from './load.js';
export { parseAddr, formatAddr } from './values.js';
export type { HostPort, Kind } from './values.js';
export { flagHelp, configTableMarkdown, withConfigTable, README_BEGIN, README_END } from './docs.js';
