export { findStdioLinks, hasPeer, type StdioLink, type StdioLookups } from './relay.js';
export { readRelayFds, ptsIndex, type RelayFds } from './fd-table.js';
