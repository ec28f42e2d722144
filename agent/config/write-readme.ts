/**
 * `npm run docs:config`: rewrites the configuration table in README.md from
 * the schema. test/unit/agent/config/docs.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { withConfigTable } from './docs.js';

const path = join(packageRoot(), 'README.md');
const before = readFileSync(path, 'utf8');
const after = withConfigTable(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md configuration table is up to date\n' : 'README.md configuration table updated\n');
